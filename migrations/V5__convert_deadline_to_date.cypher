// Store Project.deadline as a DATE instead of an ISO string (pattern 3).
MATCH (p:Project)
WHERE p.deadline IS :: STRING NOT NULL
CALL (p) {
  SET p.deadline = date(p.deadline),
      p.migrationVersions = coalesce(p.migrationVersions, []) + '5'
} IN TRANSACTIONS OF 10000 ROWS;
