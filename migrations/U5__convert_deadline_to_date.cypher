// Down of V5: back to the ISO string (`toString` of a DATE is `YYYY-MM-DD`).
MATCH (p:Project)
WHERE '5' IN p.migrationVersions
CALL (p) {
  SET p.deadline = toString(p.deadline),
      p.migrationVersions = CASE
        WHEN any(v IN p.migrationVersions WHERE v <> '5')
        THEN [v IN p.migrationVersions WHERE v <> '5']
      END
} IN TRANSACTIONS OF 10000 ROWS;
