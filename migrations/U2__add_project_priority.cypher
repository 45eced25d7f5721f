// Down of V2: remove the defaulted priority and this migration's marker.
MATCH (p:Project)
WHERE '2' IN p.migrationVersions
CALL (p) {
  SET p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '2')
        THEN [v IN p.migrationVersions WHERE v <> '2']
      END
  REMOVE p.priority
} IN TRANSACTIONS OF 10000 ROWS;
