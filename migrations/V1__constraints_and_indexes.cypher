// Schema first: every later migration matches and merges on these keys.
// Each statement is idempotent (IF NOT EXISTS) and named, so its down script is derived
// (`DROP CONSTRAINT <name> IF EXISTS`) and a re-run after a partial failure succeeds.

CREATE CONSTRAINT customer_guid_unique IF NOT EXISTS
FOR (c:Customer) REQUIRE c.guid IS UNIQUE;

CREATE CONSTRAINT project_guid_unique IF NOT EXISTS
FOR (p:Project) REQUIRE p.guid IS UNIQUE;

CREATE CONSTRAINT user_guid_unique IF NOT EXISTS
FOR (u:User) REQUIRE u.guid IS UNIQUE;

CREATE CONSTRAINT work_hour_guid_unique IF NOT EXISTS
FOR (wh:WorkHour) REQUIRE wh.guid IS UNIQUE;

CREATE RANGE INDEX project_status IF NOT EXISTS
FOR (p:Project) ON (p.status);
