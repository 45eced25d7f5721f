// Rename Project.customerGuid to customerId (pattern 2). Projects that already have a
// customerId keep both properties and are not marked, so the down script leaves them alone.
MATCH (p:Project)
WHERE p.customerGuid IS NOT NULL AND p.customerId IS NULL
CALL (p) {
  SET p.customerId = p.customerGuid,
      p.migrationVersions = coalesce(p.migrationVersions, []) + '4'
  REMOVE p.customerGuid
} IN TRANSACTIONS OF 10000 ROWS;
