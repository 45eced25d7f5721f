// Down of V4. The guide's version filtered on an unbound `c` (`WHERE c.migrationVersion`) and
// so never ran; this one matches the projects V4 marked.
MATCH (p:Project)
WHERE '4' IN p.migrationVersions
CALL (p) {
  SET p.customerGuid = p.customerId,
      p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '4')
        THEN [v IN p.migrationVersions WHERE v <> '4']
      END
  REMOVE p.customerId
} IN TRANSACTIONS OF 10000 ROWS;
