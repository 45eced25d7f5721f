// Down of V9.
MATCH (p:Project)
WHERE '9' IN p.migrationVersions
CALL (p) {
  SET p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '9')
        THEN [v IN p.migrationVersions WHERE v <> '9']
      END
  REMOVE p.riskScore, p.riskScoreCalculatedAt
} IN TRANSACTIONS OF 10000 ROWS;
