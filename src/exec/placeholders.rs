//! `${name}` placeholders, replaced before a statement is sent: the value comes from the
//! environment (`CYMIG_PLACEHOLDER_<NAME>`) or from `[migrations.placeholders]` in `cymig.toml`.
//! Checksums stay those of the files as written (cymig.sum, the history, and neo4j-migrations'
//! own checksums, which it computes on the statements before anything is replaced), so the
//! same file checksums the same in every environment.
//!
//! A placeholder outside strings with no value makes the file unrunnable (Neo4j would reject
//! `${…}`): `up` refuses it with its place. One inside a string with no value is sent as written.

use crate::plan::{CallbackPlan, CheckedPlan, MigrationPlan, PlaceholderUse, Step};
use std::collections::BTreeMap;

/// The environment variable that gives `name` a value: `CYMIG_PLACEHOLDER_` and the name in
/// upper case, every character other than a letter or digit as `_`.
pub fn env_name(name: &str) -> String {
    let upper: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("CYMIG_PLACEHOLDER_{upper}")
}

/// `plan` with every placeholder that has a value replaced, and each migration or callback with
/// a placeholder in code that has none marked unrunnable.
pub fn resolve(
    plan: CheckedPlan,
    configured: &BTreeMap<String, String>,
    env: impl Fn(&str) -> Option<String>,
) -> CheckedPlan {
    let value = |name: &str| env(name).or_else(|| configured.get(name).cloned());
    plan.adapted(|mut plan| {
        for m in &mut plan.migrations {
            resolve_migration(m, &value);
        }
        for c in &mut plan.callbacks {
            resolve_callback(c, &value);
        }
        plan
    })
}

fn resolve_migration(m: &mut MigrationPlan, value: &impl Fn(&str) -> Option<String>) {
    for alternative in &mut m.alternatives {
        resolve_migration(alternative, value);
    }
    let Some(values) = values_or_refusal(&m.placeholders, value, &mut m.unsupported) else { return };
    for step in &mut m.steps {
        replace_step(step, &values);
    }
    if let Some(down) = &mut m.down {
        down.text = replace(&down.text, &values);
        for step in &mut down.steps {
            replace_step(step, &values);
        }
    }
    for q in &mut m.verify {
        *q = replace(q, &values);
    }
}

fn resolve_callback(c: &mut CallbackPlan, value: &impl Fn(&str) -> Option<String>) {
    let Some(values) = values_or_refusal(&c.placeholders, value, &mut c.unsupported) else { return };
    for step in c.runs.iter_mut().flat_map(|r| &mut r.steps) {
        replace_step(step, &values);
    }
}

/// The values of `uses`, or `None` (with `unsupported` set) when one in code has none.
fn values_or_refusal(
    uses: &[PlaceholderUse],
    value: &impl Fn(&str) -> Option<String>,
    unsupported: &mut Option<String>,
) -> Option<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    for p in uses {
        match value(&p.name) {
            Some(v) => {
                values.insert(p.name.clone(), v);
            }
            None if p.in_code => {
                unsupported.get_or_insert_with(|| {
                    format!(
                        "{}: `${{{}}}` is a placeholder with no value; set it in cymig.toml \
                         ([migrations.placeholders] {} = \"…\") or in the environment ({})",
                        p.at,
                        p.name,
                        p.name,
                        env_name(&p.name)
                    )
                });
                return None;
            }
            None => {}
        }
    }
    (!values.is_empty()).then_some(values)
}

fn replace_step(step: &mut Step, values: &BTreeMap<String, String>) {
    for s in &mut step.statements {
        s.text = replace(&s.text, values);
    }
    if let Some(down) = &mut step.down {
        *down = replace(down, values);
    }
}

fn replace(text: &str, values: &BTreeMap<String, String>) -> String {
    values.iter().fold(text.to_string(), |t, (name, value)| t.replace(&format!("${{{name}}}"), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Plan, PlannedStatement, StatementClass};

    fn plan_with(text: &str, placeholders: &[(&str, bool)]) -> CheckedPlan {
        let statement = PlannedStatement {
            line: 1,
            kind: StatementClass::Data,
            text: text.into(),
            batched: None,
            driving_count: None,
        };
        let mut migration = MigrationPlan::for_test("1", "x", vec![vec![statement]]);
        migration.checksum = "c".into();
        migration.placeholders = placeholders
            .iter()
            .map(|(n, in_code)| PlaceholderUse {
                name: n.to_string(),
                at: "V1__x.cypher:1:10".into(),
                in_code: *in_code,
            })
            .collect();
        CheckedPlan::unchecked(Plan { migrations: vec![migration], callbacks: Vec::new() })
    }

    #[test]
    fn configured_values_replace_and_environment_wins() {
        let plan = plan_with("CREATE (:${label} {env: '${env}'})", &[("label", true), ("env", false)]);
        let configured =
            BTreeMap::from([("label".to_string(), "Person".to_string()), ("env".to_string(), "dev".into())]);
        let env = |n: &str| (n == "env").then(|| "prod".to_string());
        let resolved = resolve(plan, &configured, env);
        let m = &resolved.plan().migrations[0];
        assert_eq!(m.steps[0].statements[0].text, "CREATE (:Person {env: 'prod'})");
        assert_eq!(m.unsupported, None);
    }

    #[test]
    fn a_placeholder_in_code_without_a_value_is_refused_with_its_place() {
        let plan = plan_with("CREATE (:${label} {env: '${env}'})", &[("label", true), ("env", false)]);
        let resolved = resolve(plan, &BTreeMap::new(), |_| None);
        let m = &resolved.plan().migrations[0];
        assert_eq!(
            m.unsupported.as_deref(),
            Some("V1__x.cypher:1:10: `${label}` is a placeholder with no value; set it in cymig.toml ([migrations.placeholders] label = \"…\") or in the environment (CYMIG_PLACEHOLDER_LABEL)")
        );
        assert_eq!(m.steps[0].statements[0].text, "CREATE (:${label} {env: '${env}'})");
        assert_eq!(env_name("my-env.name"), "CYMIG_PLACEHOLDER_MY_ENV_NAME");
    }
}
