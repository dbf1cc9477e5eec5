//! The generated crate's `Cargo.toml`: the runtime's dependencies, each pinned to the exact
//! version mcpgen itself is built and tested with (read from mcpgen's `Cargo.lock`), with the
//! same features. Registry crates only, so the crate builds anywhere with plain `cargo build`.

use super::GenerateError;
use toml::{Table, Value};

const RUNTIME_MANIFEST: &str = include_str!("../../../runtime/Cargo.toml");
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");
const LOCK: &str = include_str!("../../../Cargo.lock");

/// The `[dependencies]` table's lines, one per crate, sorted by name.
pub fn dependencies() -> Result<String, GenerateError> {
    Ok(pinned()?
        .into_iter()
        .map(|(_, _, line)| line)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The runtime's dependencies: name, locked version and `[dependencies]` line, by name.
fn pinned() -> Result<Vec<(String, String, String)>, GenerateError> {
    let parse = |text: &str, what: &str| {
        text.parse::<Table>()
            .map_err(|e| GenerateError(format!("{what} does not parse: {e}")))
    };
    let runtime = parse(RUNTIME_MANIFEST, "runtime/Cargo.toml")?;
    let workspace = parse(WORKSPACE_MANIFEST, "Cargo.toml")?;
    let lock = parse(LOCK, "Cargo.lock")?;
    let shared = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let own = runtime
        .get("dependencies")
        .and_then(Value::as_table)
        .ok_or_else(|| GenerateError("runtime/Cargo.toml has no [dependencies]".into()))?;
    let mut lines = Vec::new();
    // The generated code itself uses clap (main.rs) and serde (the argument structs) directly.
    for (name, spec) in own {
        let spec = resolve(name, spec, &shared)?;
        let (version, text) = line(name, &spec, &lock)?;
        lines.push((name.clone(), version, text));
    }
    lines.sort();
    Ok(lines)
}

/// A `Cargo.lock` for the generated crate: the packages of mcpgen's own lock file that its
/// dependencies reach, so a build uses exactly the versions mcpgen is tested with. It may hold
/// a few packages only features other mcpgen crates enable need; Cargo drops those on the
/// first build and changes no version.
pub fn lock_file(crate_name: &str) -> Result<String, GenerateError> {
    let lock = LOCK
        .parse::<Table>()
        .map_err(|e| GenerateError(format!("Cargo.lock does not parse: {e}")))?;
    let packages: Vec<&Table> = lock
        .get("package")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_table).collect())
        .unwrap_or_default();
    let field = |p: &Table, key: &str| p.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    // A dependency as the lock writes it: `name` or `name version`.
    let find = |reference: &str| -> Option<usize> {
        let mut words = reference.split(' ');
        let name = words.next()?;
        let version = words.next();
        packages.iter().position(|p| {
            field(p, "name") == name && version.is_none_or(|v| field(p, "version") == v)
        })
    };
    let direct = pinned()?;
    let mut reached: Vec<usize> = Vec::new();
    let mut queue: Vec<usize> = Vec::new();
    for (name, version, _) in &direct {
        let index = find(&format!("{name} {version}"))
            .ok_or_else(|| GenerateError(format!("Cargo.lock has no `{name} {version}`")))?;
        queue.push(index);
    }
    while let Some(index) = queue.pop() {
        if reached.contains(&index) {
            continue;
        }
        reached.push(index);
        for dependency in packages[index]
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let found = find(dependency).ok_or_else(|| {
                GenerateError(format!(
                    "Cargo.lock names `{dependency}` but does not hold it"
                ))
            })?;
            queue.push(found);
        }
    }
    // Cargo names a dependency with its version only when two versions are locked.
    let names: Vec<String> = reached
        .iter()
        .map(|&i| field(packages[i], "name"))
        .collect();
    let reference = |name: &str, version: &str| {
        if names.iter().filter(|n| *n == name).count() > 1 {
            format!("{name} {version}")
        } else {
            name.to_string()
        }
    };
    let mut entries: Vec<(String, String, String)> = reached
        .iter()
        .map(|&i| {
            let p = packages[i];
            let mut text = format!(
                "[[package]]\nname = \"{}\"\nversion = \"{}\"\n",
                field(p, "name"),
                field(p, "version")
            );
            for key in ["source", "checksum"] {
                if p.contains_key(key) {
                    text.push_str(&format!("{key} = \"{}\"\n", field(p, key)));
                }
            }
            let dependencies: Vec<String> = p
                .get("dependencies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(&find)
                .map(|d| reference(&field(packages[d], "name"), &field(packages[d], "version")))
                .collect();
            push_dependencies(&mut text, dependencies);
            (field(p, "name"), field(p, "version"), text)
        })
        .collect();
    let mut root = format!("[[package]]\nname = \"{crate_name}\"\nversion = \"0.1.0\"\n");
    push_dependencies(
        &mut root,
        direct
            .iter()
            .map(|(name, version, _)| reference(name, version))
            .collect(),
    );
    entries.push((crate_name.to_string(), "0.1.0".to_string(), root));
    entries.sort_by(|a, b| (&a.0, numbers(&a.1)).cmp(&(&b.0, numbers(&b.1))));
    let mut out = String::from(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n",
    );
    for (_, _, text) in entries {
        out.push('\n');
        out.push_str(&text);
    }
    Ok(out)
}

/// A lock entry's `dependencies = [...]`, sorted as Cargo sorts them.
fn push_dependencies(text: &mut String, mut dependencies: Vec<String>) {
    if dependencies.is_empty() {
        return;
    }
    dependencies.sort();
    dependencies.dedup();
    text.push_str("dependencies = [\n");
    for dependency in dependencies {
        text.push_str(&format!(" \"{dependency}\",\n"));
    }
    text.push_str("]\n");
}

/// A dependency's requirement and options with `workspace = true` looked up.
fn resolve(name: &str, spec: &Value, shared: &Table) -> Result<Table, GenerateError> {
    let mut table = match spec {
        Value::String(version) => Table::from_iter([("version".into(), version.clone().into())]),
        Value::Table(table) => table.clone(),
        _ => {
            return Err(GenerateError(format!(
                "dependency `{name}`: unexpected form"
            )));
        }
    };
    if table.remove("workspace").and_then(|v| v.as_bool()) == Some(true) {
        let base = match shared.get(name) {
            Some(Value::String(version)) => {
                Table::from_iter([("version".into(), version.clone().into())])
            }
            Some(Value::Table(base)) => base.clone(),
            _ => {
                return Err(GenerateError(format!(
                    "dependency `{name}` is not in [workspace.dependencies]"
                )));
            }
        };
        let extra = table.remove("features");
        let mut merged = base;
        if let Some(Value::Array(extra)) = extra {
            let features = merged
                .entry("features")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(features) = features {
                features.extend(extra);
            }
        }
        merged.extend(table);
        table = merged;
    }
    if table.contains_key("path") || table.contains_key("git") {
        return Err(GenerateError(format!(
            "dependency `{name}` is not a registry crate; a generated crate must build anywhere"
        )));
    }
    Ok(table)
}

/// `name = { version = "=x.y.z", ... }` with the version mcpgen's lock file resolved.
fn line(name: &str, spec: &Table, lock: &Table) -> Result<(String, String), GenerateError> {
    let requirement = spec
        .get("version")
        .and_then(Value::as_str)
        .ok_or_else(|| GenerateError(format!("dependency `{name}` has no version")))?;
    let locked = locked_version(name, requirement, lock).ok_or_else(|| {
        GenerateError(format!(
            "Cargo.lock has no version of `{name}` that matches `{requirement}`"
        ))
    })?;
    let mut parts = vec![format!("version = \"={locked}\"")];
    for (key, value) in spec {
        if key != "version" {
            parts.push(format!("{key} = {value}"));
        }
    }
    Ok((locked, format!("{name} = {{ {} }}", parts.join(", "))))
}

/// The newest locked version of `name` that a caret `requirement` accepts.
fn locked_version(name: &str, requirement: &str, lock: &Table) -> Option<String> {
    let wanted = numbers(requirement.trim_start_matches(['^', '=']));
    lock.get("package")?
        .as_array()?
        .iter()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .filter_map(|p| p.get("version").and_then(Value::as_str))
        .filter(|v| compatible(&wanted, &numbers(v)))
        .max_by_key(|v| numbers(v))
        .map(str::to_string)
}

/// `1.54.2` as `[1, 54, 2]`; pre-release and build parts dropped.
fn numbers(version: &str) -> Vec<u64> {
    version
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// Whether `version` satisfies the caret requirement `wanted` (Cargo's default).
fn compatible(wanted: &[u64], version: &[u64]) -> bool {
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    // The first non-zero part of the requirement (or its last given part) must match.
    let significant = wanted
        .iter()
        .position(|&n| n != 0)
        .unwrap_or(wanted.len().saturating_sub(1));
    (0..=significant).all(|i| at(wanted, i) == at(version, i)) && version >= wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_requirements_match_as_cargo_matches_them() {
        let yes = |r: &str, v: &str| compatible(&numbers(r), &numbers(v));
        assert!(yes("1", "1.54.0"));
        assert!(yes("1.54", "1.54.3"));
        assert!(!yes("1.54", "1.53.9"));
        assert!(!yes("1", "2.0.0"));
        assert!(yes("0.13", "0.13.4"));
        assert!(!yes("0.13", "0.14.0"));
        assert!(yes("0.0.3", "0.0.3"));
        assert!(!yes("0.0.3", "0.0.4"));
    }

    #[test]
    fn every_runtime_dependency_is_pinned_from_the_lock_file() {
        let lines = dependencies().expect("the manifests read");
        assert!(lines.contains("rmcp = { version = \"=3.11."), "{lines}");
        for line in lines.lines() {
            assert!(line.contains("version = \"="), "{line}");
            assert!(
                !line.contains("path") && !line.contains("workspace"),
                "{line}"
            );
        }
    }
}
