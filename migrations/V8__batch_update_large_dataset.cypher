// Project.normalizedName for search (pattern 6). The guide looped in the client with
// `WITH p LIMIT $batch_size`; CALL { } IN TRANSACTIONS batches on the server instead.
MATCH (p:Project)
WHERE p.normalizedName IS NULL AND p.name IS NOT NULL
CALL (p) {
  SET p.normalizedName = toLower(trim(p.name)),
      p.migrationVersions = coalesce(p.migrationVersions, []) + '8'
} IN TRANSACTIONS OF 10000 ROWS;
