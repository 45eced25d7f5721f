// Down of V8.
MATCH (p:Project)
WHERE '8' IN p.migrationVersions
CALL (p) {
  SET p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '8')
        THEN [v IN p.migrationVersions WHERE v <> '8']
      END
  REMOVE p.normalizedName
} IN TRANSACTIONS OF 10000 ROWS;
