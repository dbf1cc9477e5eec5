//! Tool and property names that every client accepts.
//!
//! Clients are stricter than MCP: the Anthropic and OpenAI APIs take `[A-Za-z0-9_-]` up to 64
//! characters, Cursor 60. Names come from the `operationId` (else method and path), are cut
//! with a stable hash suffix when too long, and made unique in a fixed order, so the same
//! document always gives the same names.

use std::collections::{HashMap, HashSet};

/// The characters clients accept in a tool name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `raw` with every disallowed character replaced by `_`, runs of `_` collapsed and `_` / `-`
/// trimmed from both ends.
pub fn sanitize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if is_name_char(c) { c } else { '_' };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches(|c| c == '_' || c == '-').to_string()
}

/// The name of an operation without an `operationId`: method and path, e.g.
/// `get_pets_petId` for `GET /pets/{petId}`.
pub fn from_method_and_path(method: &str, path: &str) -> String {
    sanitize(&format!("{method}_{path}"))
}

/// A stable 32-bit FNV-1a digest of `text` as 8 hex digits: the same on every platform and run.
pub fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("{:08x}", (hash ^ (hash >> 32)) as u32)
}

/// `name` cut to `max` characters, ending in `_` and a hash of `identity` when it had to be cut.
pub fn fit(name: &str, identity: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let suffix = short_hash(identity);
    let keep = max.saturating_sub(suffix.len() + 1);
    let head = name[..keep].trim_end_matches(['_', '-']);
    format!("{head}_{suffix}")
}

/// Hands out names that are unique within one server.
#[derive(Default)]
pub struct NameSet {
    taken: HashSet<String>,
    /// The next number to try for each wanted name, so that many operations wanting the same
    /// name cost one step each, not one step per earlier claimant.
    next: HashMap<String, usize>,
}

impl NameSet {
    /// Claims `wanted` (already sanitized), or the first free `wanted_2`, `wanted_3`, ... that
    /// fits in `max` characters. Returns the name and whether it had to change.
    pub fn claim(&mut self, wanted: &str, identity: &str, max: usize) -> String {
        let base = fit(wanted, identity, max);
        if self.taken.insert(base.clone()) {
            return base;
        }
        let start = self.next.get(wanted).copied().unwrap_or(2);
        for n in start.. {
            self.next.insert(wanted.to_string(), n + 1);
            let suffix = format!("_{n}");
            let head = fit(wanted, identity, max.saturating_sub(suffix.len()));
            let candidate = format!("{head}{suffix}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }
}

/// Whether `name` is a tool name every client accepts (`[A-Za-z0-9_-]{1,64}`).
pub fn is_valid_tool_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(is_name_char)
}

/// Whether `name` is a property name every client accepts (`[A-Za-z0-9_.-]{1,64}`).
pub fn is_valid_property(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| is_name_char(c) || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_operation_ids() {
        assert_eq!(sanitize("repos/list-for-org"), "repos_list-for-org");
        assert_eq!(sanitize("get /pets/{petId}"), "get_pets_petId");
        assert_eq!(sanitize("__a..b__"), "a_b");
        assert_eq!(sanitize("ünïcode"), "n_code");
    }

    #[test]
    fn cuts_long_names_with_a_stable_hash() {
        let long = "a".repeat(100);
        let cut = fit(&long, &long, 64);
        assert_eq!(cut.len(), 64);
        assert_eq!(cut, fit(&long, &long, 64));
        assert_ne!(cut, fit(&long, "other identity", 64));
        assert_eq!(fit(&long, &long, 60).len(), 60);
    }

    #[test]
    fn unique_names_stay_within_the_limit() {
        let mut names = NameSet::default();
        let long = "b".repeat(70);
        let first = names.claim(&long, "x", 64);
        let second = names.claim(&long, "x", 64);
        assert_ne!(first, second);
        assert!(second.len() <= 64, "{second}");
        assert_eq!(names.claim("pets", "p", 64), "pets");
        assert_eq!(names.claim("pets", "p", 64), "pets_2");
    }
}
