//! Rust names for things the document names: tags become modules, tools become modules,
//! properties become fields. Every name is a valid, unique, stable identifier.

use std::collections::HashSet;

/// Words Rust reserves; a name that is one gets a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `text` in snake_case: words split at non-alphanumerics and lower-to-upper changes
/// (`getPetById` -> `get_pet_by_id`, `X-Rate-Limit` -> `x_rate_limit`); never empty, never a
/// keyword, never starting with a digit.
pub fn snake_case(text: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        previous = Some(c);
    }
    let out = out.trim_end_matches('_').to_string();
    let out = match out.chars().next() {
        None => "unnamed".to_string(),
        Some(c) if c.is_ascii_digit() => format!("n{out}"),
        Some(_) => out,
    };
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// Whether `name` is a word Rust reserves.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Hands out names that are unique within one scope: a second `name` becomes `name_2`.
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `wanted`, or the first free `wanted_N` (`type_` gives `type_2`, not `type__2`).
    pub fn claim(&mut self, wanted: String) -> String {
        let mut name = wanted.clone();
        let stem = wanted.trim_end_matches('_');
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{stem}_{n}");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_snake_case_identifiers() {
        for (text, expected) in [
            ("getPetById", "get_pet_by_id"),
            ("X-Rate-Limit", "x_rate_limit"),
            ("api_listRegions", "api_list_regions"),
            ("post_anything_no-auth", "post_anything_no_auth"),
            ("type", "type_"),
            ("2fa", "n2fa"),
            ("", "unnamed"),
            ("$$", "unnamed"),
            ("user.name", "user_name"),
            ("HTTPServer", "httpserver"),
            ("v2Items", "v2_items"),
        ] {
            assert_eq!(snake_case(text), expected, "{text}");
        }
    }

    #[test]
    fn a_scope_never_gives_a_name_twice() {
        let mut scope = Scope::with_reserved(&["additional"]);
        assert_eq!(scope.claim("a".into()), "a");
        assert_eq!(scope.claim("a".into()), "a_2");
        assert_eq!(scope.claim("a".into()), "a_3");
        assert_eq!(scope.claim("additional".into()), "additional_2");
        assert_eq!(scope.claim("type_".into()), "type_");
        assert_eq!(scope.claim("type_".into()), "type_2");
    }
}
