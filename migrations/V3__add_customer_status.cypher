// A Customer is 'active' while it has an active project (pattern 1 of the migration guide).
MATCH (c:Customer)
WHERE c.status IS NULL
CALL (c) {
  SET c.status = CASE
        WHEN EXISTS { (c)-[:HAS_PROJECT]->(:Project {status: 'active'}) } THEN 'active'
        ELSE 'inactive'
      END,
      c.migrationVersions = coalesce(c.migrationVersions, []) + '3'
} IN TRANSACTIONS OF 10000 ROWS;
