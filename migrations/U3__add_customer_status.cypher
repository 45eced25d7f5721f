// Down of V3.
MATCH (c:Customer)
WHERE '3' IN c.migrationVersions
CALL (c) {
  SET c.migrationVersions = CASE
        WHEN any(v IN c.migrationVersions WHERE v <> '3')
        THEN [v IN c.migrationVersions WHERE v <> '3']
      END
  REMOVE c.status
} IN TRANSACTIONS OF 10000 ROWS;
