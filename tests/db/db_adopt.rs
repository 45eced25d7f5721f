//! `cymig baseline --from neo4j-migrations` on a database migrated by the real neo4j-migrations
//! CLI (2.17.3, fetched from Maven Central by `tests/neo4j-migrations/fetch`): the chain it wrote
//! becomes cymig history, `up` then applies only the new file, and a chain that disagrees with
//! the files is refused with the list of disagreements.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::neo4j::{block_on, connect, count, fresh_db, strings, TestDb};

fn cymig(db: &TestDb, args: &[&str]) -> Output {
    support::cymig_on(db, args).output().expect("run cymig")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The neo4j-migrations CLI's jars, or `None` (with the reason printed) when Maven cannot
/// provide them.
fn neo4j_migrations_cli() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neo4j-migrations/fetch");
    match Command::new(&script).stderr(Stdio::inherit()).output() {
        Ok(o) if o.status.success() => Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        other => {
            eprintln!(
                "SKIPPED: Maven could not provide the neo4j-migrations CLI 2.17.3 ({other:?}); \
                 `baseline --from neo4j-migrations` is untested against the real tool"
            );
            None
        }
    }
}

/// Runs neo4j-migrations' `migrate` on the files of `dir`.
fn neo4j_migrations_migrate(lib: &Path, db: &TestDb, dir: &Path) {
    let o = Command::new("java")
        .arg("-cp")
        .arg(lib.join("*"))
        .arg("ac.simons.neo4j.migrations.cli.MigrationsCli")
        .args(["-a", &db.uri, "-u", &db.user, "-p", &db.password])
        .arg(format!("--location=file://{}", dir.display()))
        .arg("migrate")
        .stdin(Stdio::null())
        .output()
        .expect("run neo4j-migrations");
    assert!(o.status.success(), "neo4j-migrations migrate failed:\n{}{}", stdout(&o), stderr(&o));
}

fn write(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).unwrap();
}

/// The files neo4j-migrations applies: plain `CREATE`s, so running one twice shows.
fn applied_by_neo4j_migrations() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__person_key.cypher", "CREATE CONSTRAINT person_id FOR (p:Person) REQUIRE p.id IS UNIQUE;\n");
    write(
        dir.path(),
        "V1_1__Two_people.cypher",
        "// two of them\nCREATE (:Person {id: 1});\nCREATE (:Person {id: 2});\n",
    );
    write(dir.path(), "V2__a_team.cypher", "CREATE (:Team {name: 'core'});\n");
    // neo4j-migrations' repeatable migrations carry a version; cymig's do not.
    write(dir.path(), "R2_1__config.cypher", "MERGE (c:Config {name: 'app'}) SET c.runs = coalesce(c.runs, 0) + 1;\n");
    dir
}

fn q(db: &TestDb, cypher: &str) -> i64 {
    block_on(async { count(&connect(db).await, cypher).await })
}

#[test]
fn adopts_the_chain_and_up_applies_only_the_new_file() {
    let Some(lib) = neo4j_migrations_cli() else { return };
    let db = fresh_db();
    let dir = applied_by_neo4j_migrations();
    neo4j_migrations_migrate(&lib, &db, dir.path());
    assert_eq!(q(&db, "MATCH (c:Config) RETURN c.runs AS v"), 1);

    std::fs::rename(dir.path().join("R2_1__config.cypher"), dir.path().join("R__config.cypher")).unwrap();
    write(dir.path(), "V3__more_people.cypher", "CREATE (:Person {id: 3});\n");
    let d = dir.path().to_str().unwrap();

    let o = cymig(&db, &["up", d]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: neo4j-migrations migrated this database (4 migration(s) in its __Neo4jMigration chain) and cymig has no history here, \
         so `up` would apply them all again: adopt the chain first with `cymig baseline --from neo4j-migrations`\n"
    );
    assert_eq!(q(&db, "MATCH (p:Person) RETURN count(p) AS v"), 2);

    let o = cymig(&db, &["baseline", "--from", "neo4j-migrations", d]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "adopted neo4j-migrations' chain at version 2: 4 migration(s) recorded as applied; `cymig up` applies only newer ones\n"
    );
    // installed_on/by come from the chain, not from the adoption.
    let graph = block_on(connect(&db));
    let recorded = block_on(strings(
        &graph,
        "MATCH (m:__CymigMigration {key: '1.1'}), (:__Neo4jMigration)-[r:MIGRATED_TO]->(:__Neo4jMigration {version: '1.1'}) \
         RETURN toString(m.applied_at = r.at AND m.applied_by = r.by AND m.status = 'applied') AS v",
    ));
    assert_eq!(recorded, ["true"]);

    let o = cymig(&db, &["status", d]);
    let status = stdout(&o);
    let states: Vec<(&str, &str)> = status
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|(_, state)| ["applied", "pending"].contains(state))
        .collect();
    assert_eq!(
        states,
        [("1", "applied"), ("1.1", "applied"), ("2", "applied"), ("3", "pending"), ("R:config", "applied")],
        "{status}"
    );

    let o = cymig(&db, &["up", d]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(q(&db, "MATCH (p:Person) RETURN count(p) AS v"), 3);
    assert_eq!(q(&db, "MATCH (t:Team) RETURN count(t) AS v"), 1);
    assert_eq!(q(&db, "MATCH (c:Config) RETURN c.runs AS v"), 1, "the unchanged repeatable is not run again");
}

#[test]
fn refuses_when_the_files_and_the_chain_disagree() {
    let Some(lib) = neo4j_migrations_cli() else { return };
    let db = fresh_db();
    let dir = applied_by_neo4j_migrations();
    neo4j_migrations_migrate(&lib, &db, dir.path());

    std::fs::remove_file(dir.path().join("V1_1__Two_people.cypher")).unwrap();
    write(dir.path(), "V2__a_team.cypher", "CREATE (:Team {name: 'core', size: 3});\n");
    write(dir.path(), "V1_5__late.cypher", "CREATE (:Late);\n");
    let d = dir.path().to_str().unwrap();

    let o = cymig(&db, &["baseline", "--from", "neo4j-migrations", d]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let p = |name: &str| dir.path().join(name).display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: the migration files and the neo4j-migrations chain disagree (4 problem(s)); nothing was recorded:\n\
             \x20 - version 1.1 (`Two people`, V1_1__Two_people.cypher) was applied by neo4j-migrations but no file of this migration set has that version\n\
             \x20 - {}: edited since neo4j-migrations applied it as version 2 (checksum 2536311057 in the chain, 181899317 now): restore the file as it was applied\n\
             \x20 - repeatable version 2.1 (`config`, R2_1__config.cypher) has no cymig repeatable migration: cymig's have no version, name it `R__config.cypher`\n\
             \x20 - {}: version 1_5 is older than the chain's newest version 2 but neo4j-migrations never applied it\n",
            p("V2__a_team.cypher"),
            p("V1_5__late.cypher"),
        )
    );
    assert_eq!(q(&db, "MATCH (m:__CymigMigration) RETURN count(m) AS v"), 0);
}

#[test]
fn refuses_a_database_without_a_chain() {
    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__x.cypher", "CREATE (:X);\n");
    let o = cymig(&db, &["baseline", "--from", "neo4j-migrations", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: no neo4j-migrations chain in this database (no :__Neo4jMigration migrated to by a MIGRATED_TO relationship)\n"
    );
}
