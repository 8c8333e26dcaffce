//! The module graph is a tree: business areas use the ground floor (`http`, `sessions`, `db`),
//! never the other way round, and migrations use nothing of the crate. Read from the source, so
//! a `use` that breaks the rule fails here before anyone copies it.

use std::{collections::BTreeSet, path::Path};

use crate::support::rust_files;

/// Modules that know no business area, and what each may use of the crate besides itself.
const GROUND_FLOOR: [(&str, &[&str]); 5] = [
    ("http", &["config"]),
    ("sessions", &["http", "db", "clock", "config", "tasks"]),
    ("db", &["config", "migrations", "tasks"]),
    ("tasks", &[]),
    ("migrations", &[]),
];

/// The crate's top-level modules that `path` (a file under `src/`) names through `crate::`.
fn crate_modules_used(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = source;
    while let Some(start) = rest.find("crate::") {
        rest = &rest[start + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c::{d, e}}`: the first segment of each path at the top of the group.
            let mut depth = 1;
            let mut at_path_start = true;
            let mut name = String::new();
            for character in group.chars() {
                match character {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => at_path_start = true,
                    c if depth == 1 && at_path_start && (c.is_alphanumeric() || c == '_') => {
                        name.push(c);
                        continue;
                    }
                    _ => {}
                }
                if !name.is_empty() {
                    used.insert(std::mem::take(&mut name));
                    at_path_start = false;
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used
}

#[test]
fn the_ground_floor_uses_no_business_area_and_migrations_use_nothing_of_the_crate() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();

    for (module, allowed) in GROUND_FLOOR {
        let files = if source.join(module).is_dir() {
            rust_files(&source.join(module))
        } else {
            vec![source.join(format!("{module}.rs"))]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for used in crate_modules_used(&text) {
                if used != module && !allowed.contains(&used.as_str()) {
                    violations.push(format!("{} uses crate::{used}", file.display()));
                }
            }
        }
    }

    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn uses_are_found_in_groups_and_paths() {
    let used = crate_modules_used(
        "use crate::{accounts::{self, X}, http::ApiError, state};\nlet x = crate::geo::iso::ALL;",
    );
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        ["accounts", "geo", "http", "state"]
    );
}
