// Default every Project without a priority to 'medium'.
// Marker: the version is appended to the node's `migrationVersions` list, so the down script
// touches exactly the nodes this migration changed, even after later migrations marked them too.
MATCH (p:Project)
WHERE p.priority IS NULL
CALL (p) {
  SET p.priority = 'medium',
      p.migrationVersions = coalesce(p.migrationVersions, []) + '2'
} IN TRANSACTIONS OF 10000 ROWS;

