// Down of V6.
MATCH (p:Project)
WHERE '6' IN p.migrationVersions
CALL (p) {
  SET p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '6')
        THEN [v IN p.migrationVersions WHERE v <> '6']
      END
  REMOVE p.completionPct
} IN TRANSACTIONS OF 10000 ROWS;
