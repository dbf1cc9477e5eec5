//! A SQL tool's statement: its `:name` placeholders rewritten into the engine's own syntax,
//! checked to be one statement, and its kind (first keyword) told.
//!
//! Safety rule: this reads only the statement, never a call's arguments, so no argument can
//! change SQL text.

use super::Engine;

/// A statement in the engine's own placeholder syntax, and the argument bound at each
/// placeholder, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The SQL text sent to the server.
    pub sql: String,
    /// The argument names, one per bind position.
    pub binds: Vec<String>,
}

/// The `:name` placeholders of a statement, in order of appearance (with repeats). Used when
/// loading, to check that every placeholder has a parameter and every parameter is used.
///
/// The engine is not known when loading (the connection URL is a secret read at call time), so
/// a statement passes when any engine's rules accept it (MySQL's backslash escapes, PostgreSQL's
/// dollar quotes). A bare `?` is refused whatever the engine: it is almost always a
/// placeholder in another syntax (PostgreSQL's jsonb `?` operator can be `jsonb_exists`).
pub fn placeholders(statement: &str) -> Result<Vec<String>, String> {
    let mut first_error = None;
    for engine in [Engine::Sqlite, Engine::MySql, Engine::Postgres] {
        match prepare(statement, engine) {
            Ok(prepared) => return Ok(prepared.binds),
            Err(e) if e.contains("not `?`") => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// The statement's first keyword, upper-cased, after leading comments and parentheses: what
/// kind of statement it is.
pub fn first_keyword(statement: &str) -> String {
    skip_space_and_comments(statement, &['('])
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// `text` from its first character that is not space, a comment or one of `also`.
fn skip_space_and_comments<'t>(text: &'t str, also: &[char]) -> &'t str {
    let skip = |t: &'t str| t.trim_start_matches(|c: char| c.is_whitespace() || also.contains(&c));
    let mut text = skip(text);
    loop {
        if let Some(rest) = text.strip_prefix("--") {
            text = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = text.strip_prefix("/*") {
            text = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return text;
        }
        text = skip(text);
    }
}

/// What a SQLite statement of a read-only tool may be. SQLite enforces read-only on the
/// database file, but `VACUUM INTO` writes a new file even on a read-only connection.
pub(super) const SQLITE_READS: &[&str] = &["SELECT", "WITH", "VALUES"];

/// Rewrites `:name` placeholders into the engine's syntax (`?` for SQLite and MySQL, `$n` for
/// PostgreSQL, where a repeated name reuses its number). Strings, quoted identifiers,
/// comments, PostgreSQL dollar quotes and `::` casts are left alone. A placeholder in the
/// engine's own syntax is refused: it would bind nothing the tool declares.
pub fn prepare(statement: &str, engine: Engine) -> Result<Prepared, String> {
    let chars: Vec<char> = statement.chars().collect();
    let mut sql = String::with_capacity(statement.len());
    let mut binds: Vec<String> = Vec::new();
    let mut i = 0;
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' | '`' => {
                let Some(end) = quoted_end(&chars, i, engine) else {
                    return Err(format!(
                        "the quote {c} at character {} is never closed",
                        i + 1
                    ));
                };
                sql.extend(&chars[i..end]);
                i = end;
            }
            '-' if next == Some('-') => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                sql.extend(&chars[i..end]);
                i = end;
            }
            '#' if engine == Engine::MySql => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                sql.extend(&chars[i..end]);
                i = end;
            }
            '/' if next == Some('*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map_or(chars.len(), |j| j + 2);
                sql.extend(&chars[i..end]);
                i = end;
            }
            ':' if next == Some(':') => {
                sql.push_str("::");
                i += 2;
            }
            ':' if next.is_some_and(ident_start) && !(i > 0 && ident(chars[i - 1])) => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && ident(chars[end]) {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                match engine {
                    Engine::Postgres => {
                        let n = match binds.iter().position(|b| *b == name) {
                            Some(n) => n + 1,
                            None => {
                                binds.push(name);
                                binds.len()
                            }
                        };
                        sql.push_str(&format!("${n}"));
                    }
                    Engine::Sqlite | Engine::MySql => {
                        binds.push(name);
                        sql.push('?');
                    }
                }
                i = end;
            }
            '$' if engine == Engine::Postgres || engine == Engine::Sqlite => {
                if next.is_some_and(|c| c.is_ascii_digit()) {
                    return Err(
                        "use `:name` placeholders, not `$1`: each one names a parameter of the tool"
                            .into(),
                    );
                }
                // A PostgreSQL dollar-quoted string: $tag$ ... $tag$.
                let tag_end = (i + 1..chars.len()).find(|&j| !ident(chars[j]));
                match tag_end {
                    Some(j) if chars[j] == '$' && engine == Engine::Postgres => {
                        let tag: String = chars[i..=j].iter().collect();
                        let body: String = chars[j + 1..].iter().collect();
                        let end = body.find(&tag).map_or(chars.len(), |p| {
                            j + 1 + body[..p].chars().count() + tag.chars().count()
                        });
                        sql.extend(&chars[i..end]);
                        i = end;
                    }
                    _ => {
                        sql.push('$');
                        i += 1;
                    }
                }
            }
            ';' => {
                // One statement per tool: nothing but space and comments may follow.
                let rest: String = chars[i + 1..].iter().collect();
                if !only_comments(&rest) {
                    return Err("a tool runs one statement: remove everything after the `;`".into());
                }
                sql.push(';');
                i += 1;
            }
            '?' if engine != Engine::Postgres => {
                return Err(
                    "use `:name` placeholders, not `?`: each one names a parameter of the tool"
                        .into(),
                );
            }
            _ => {
                sql.push(c);
                i += 1;
            }
        }
    }
    Ok(Prepared { sql, binds })
}

/// Whether `text` holds nothing but space, `;` and comments.
fn only_comments(text: &str) -> bool {
    skip_space_and_comments(text, &[';']).is_empty()
}

/// Where a quoted string or identifier starting at `start` ends (one past the closing
/// quote). A doubled quote stays inside; MySQL also escapes with a backslash.
fn quoted_end(chars: &[char], start: usize, engine: Engine) -> Option<usize> {
    let quote = chars[start];
    let mut j = start + 1;
    while j < chars.len() {
        if engine == Engine::MySql && chars[j] == '\\' && quote != '`' {
            j += 2;
            continue;
        }
        if chars[j] == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_the_engines_own() {
        let statement = "SELECT * FROM t WHERE a = :a AND b > :b OR a = :a";
        let sqlite = prepare(statement, Engine::Sqlite).unwrap();
        assert_eq!(sqlite.sql, "SELECT * FROM t WHERE a = ? AND b > ? OR a = ?");
        assert_eq!(sqlite.binds, ["a", "b", "a"]);
        let pg = prepare(statement, Engine::Postgres).unwrap();
        assert_eq!(pg.sql, "SELECT * FROM t WHERE a = $1 AND b > $2 OR a = $1");
        assert_eq!(pg.binds, ["a", "b"]);
    }
    #[test]
    fn strings_comments_and_casts_are_left_alone() {
        let statement = "SELECT ':x', \"a:b\", x::text -- :c\n/* :d */ FROM t WHERE e = :e";
        let p = prepare(statement, Engine::Postgres).unwrap();
        assert_eq!(p.binds, ["e"]);
        assert_eq!(
            p.sql,
            "SELECT ':x', \"a:b\", x::text -- :c\n/* :d */ FROM t WHERE e = $1"
        );
        let dollar = "SELECT $f$ :no $f$, :yes";
        assert_eq!(prepare(dollar, Engine::Postgres).unwrap().binds, ["yes"]);
        let escaped = r"SELECT 'it\'s :no', :yes";
        assert_eq!(prepare(escaped, Engine::MySql).unwrap().binds, ["yes"]);
        assert_eq!(
            prepare("SELECT 'it''s :no', :yes", Engine::Sqlite)
                .unwrap()
                .binds,
            ["yes"]
        );
    }
    #[test]
    fn engine_placeholders_are_refused() {
        assert!(prepare("SELECT * FROM t WHERE a = ?", Engine::Sqlite).is_err());
        assert!(prepare("SELECT * FROM t WHERE a = $1", Engine::Postgres).is_err());
        assert!(prepare("SELECT '?' FROM t", Engine::MySql).is_ok());
    }
    #[test]
    fn one_statement_per_tool() {
        assert!(prepare("SELECT 1; DELETE FROM t", Engine::Sqlite).is_err());
        assert!(prepare("SELECT 1;;", Engine::Sqlite).is_ok());
        assert!(prepare("SELECT 1; -- done\n/* x */", Engine::Postgres).is_ok());
        assert!(prepare("SELECT ';', 2", Engine::MySql).is_ok());
    }
    #[test]
    fn loading_accepts_what_any_engine_accepts() {
        let mysql = r"SELECT * FROM t WHERE name <> 'O\'Brien' AND id = :id";
        assert_eq!(placeholders(mysql).unwrap(), ["id"]);
        assert_eq!(placeholders("SELECT $$ it's $$, :a").unwrap(), ["a"]);
        assert!(placeholders("SELECT * FROM t WHERE a = ?").is_err());
        assert_eq!(
            first_keyword("  -- note\n (WITH x AS (SELECT 1) SELECT 1)"),
            "WITH"
        );
    }
}
