//! Access policy: which principals may list and call which tools, with which arguments, how
//! often. A small rule language rather than a general policy engine: every rule reads as one
//! line of intent ("analysts may call the report tools, region pinned to their own"), the
//! whole policy sits in mcpgen.yaml next to the tools it governs, and it is checked in
//! microseconds on every list and call.
//!
//! ```yaml
//! policy:
//!   default: deny                      # what no rule decides (deny unless said otherwise)
//!   rules:
//!     - name: no-deletes
//!       effect: deny
//!       methods: [DELETE]
//!     - name: analysts-report
//!       when: { scopes: [sales.read], claims: { role: analyst } }
//!       tools: ["api_list*", "revenue_*"]  # globs on tool names (default: every tool)
//!       arguments:
//!         region: { claim: region }       # pinned to the caller's claim
//!         limit: { maximum: 50 }
//!       rate_limit: { calls: 60, per_seconds: 60 }   # per principal
//!       credentials: [reports_key]        # the security schemes these calls may use
//! ```
//!
//! A deny rule that matches wins; otherwise the first allow rule that matches decides, and its
//! argument rules, credentials and rate limit apply; otherwise `default`. A caller without a
//! token (stdio, or HTTP without `--auth-issuer`) has no scopes and no claims.
//!
//! What a principal is shown follows the rule that decides for it: a tool it may not call is
//! left out of its `tools/list`, a pinned argument is left out of the tool's input schema (the
//! model has nothing to choose), and allowed values, ranges and patterns are written into the
//! argument's schema, so the model sees the terms before it calls.

use crate::auth::Principal;
use crate::model::{Method, Tool};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The policy of one server, as mcpgen.yaml writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// What happens when no rule matches.
    #[serde(default)]
    pub default: Effect,
    /// The rules, in order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Allow or deny.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// The call may go ahead.
    Allow,
    /// The call is refused and the tool is not listed.
    #[default]
    Deny,
}

/// One rule: who, which tools, and (for allow rules) on what terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Named in denials and the audit trail.
    pub name: String,
    /// Allow (the default) or deny.
    #[serde(default = "allow")]
    pub effect: Effect,
    /// Which principals the rule is about (all conditions must hold; none = everyone).
    #[serde(default)]
    pub when: Who,
    /// Tool-name globs (`*` matches any run of characters); none = every tool.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Only tools with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only tools with one of these HTTP methods.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Terms on arguments, by argument name (allow rules).
    #[serde(default)]
    pub arguments: BTreeMap<String, ArgumentRule>,
    /// How often one principal may call the rule's tools (allow rules).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// The security schemes the rule's calls may use (allow rules): a call carries the first
    /// of the tool's security alternatives made only of these; none = any.
    #[serde(default)]
    pub credentials: Vec<String>,
}

fn allow() -> Effect {
    Effect::Allow
}

/// Conditions on the principal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Who {
    /// Scopes the token must all carry.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Claims the token must carry, each equal to the value or to one of a list.
    #[serde(default)]
    pub claims: BTreeMap<String, Value>,
    /// Subjects (`sub`) the rule is about.
    #[serde(default)]
    pub subjects: Vec<String>,
}

/// Terms on one argument.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgumentRule {
    /// The argument is the caller's claim of this name: filled in when left out, refused when
    /// the model gives another value.
    pub claim: Option<String>,
    /// The only values allowed.
    #[serde(rename = "enum")]
    pub allowed: Option<Vec<Value>>,
    /// The smallest number allowed.
    pub minimum: Option<f64>,
    /// The largest number allowed.
    pub maximum: Option<f64>,
    /// A regular expression a string must match (the whole string).
    pub pattern: Option<String>,
}

/// A fixed-window rate limit per principal.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub calls: u32,
    /// The window, in seconds.
    pub per_seconds: u64,
}

/// What the policy lets one call do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permit {
    /// The rule that allowed the call, when a rule did (not the default).
    pub rule: Option<String>,
    /// The security schemes the call may use; `None`: any the tool's requirements name.
    pub credentials: Option<Vec<String>>,
}

/// Why a call is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    /// The rule that refused it (`default` when no rule matched).
    pub rule: String,
    /// What is wrong, for the model to read.
    pub reason: String,
}

/// A policy ready to check calls: its rules and their rate-limit counters.
#[derive(Debug, Default)]
pub struct PolicyCheck {
    policy: Option<Policy>,
    /// Every argument `pattern` of the policy, compiled once (a call only matches).
    patterns: HashMap<String, Pattern>,
    windows: Mutex<HashMap<(usize, String), (Instant, u32)>>,
}

impl PolicyCheck {
    /// Checks `policy`; without one everything is allowed.
    pub fn new(policy: Option<Policy>) -> Self {
        let patterns = policy
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| r.arguments.values())
            .filter_map(|terms| terms.pattern.as_ref())
            // A pattern that does not compile matches nothing, so its rule refuses: the
            // loader reports it (`Pattern::new`) before a server ever starts.
            .filter_map(|pattern| Some((pattern.clone(), Pattern::new(pattern).ok()?)))
            .collect();
        PolicyCheck {
            policy,
            patterns,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the principal may see (and so call) `tool` at all.
    pub fn may_list(&self, principal: Option<&Principal>, tool: &Tool) -> bool {
        match self.decide(principal, tool) {
            Ok(Some(index)) => {
                self.credentials_denial(index, tool).is_none()
                    && self.missing_pinned_claim(index, principal, tool).is_none()
            }
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// The input schema `principal` is shown for `tool`, when the rule that decides for it
    /// has terms on the tool's arguments (`None`: the tool's own schema): pinned arguments
    /// left out, allowed values, ranges and patterns added to the others.
    pub fn input_schema_for(
        &self,
        principal: Option<&Principal>,
        tool: &Tool,
        schema: &Map<String, Value>,
    ) -> Option<Map<String, Value>> {
        let index = self.decide(principal, tool).ok()??;
        let rule = &self.policy.as_ref()?.rules[index];
        let properties = schema.get("properties")?.as_object()?;
        if !rule.arguments.keys().any(|a| properties.contains_key(a)) {
            return None;
        }
        let mut schema = schema.clone();
        for (name, terms) in &rule.arguments {
            narrow_property(&mut schema, name, terms);
        }
        Some(schema)
    }

    /// Checks a call before anything is sent, applying pinned arguments to `args`. On success,
    /// what the call may do.
    pub fn check_call(
        &self,
        principal: Option<&Principal>,
        tool: &Tool,
        args: &mut Map<String, Value>,
    ) -> Result<Permit, Denial> {
        let Some(index) = self.decide(principal, tool)? else {
            return Ok(Permit::default());
        };
        let policy = self.policy.as_ref().expect("a rule implies a policy");
        let rule = &policy.rules[index];
        if let Some(denial) = self.credentials_denial(index, tool) {
            return Err(denial);
        }
        let deny = |reason: String| Denial {
            rule: rule.name.clone(),
            reason,
        };
        // Terms apply to the tools that have the argument.
        for (name, terms) in rule
            .arguments
            .iter()
            .filter(|(name, _)| tool.property_schema(name).is_some())
        {
            if let Some(claim) = &terms.claim {
                let pinned = principal
                    .and_then(|p| p.claims.get(claim))
                    .filter(|v| !v.is_null())
                    .ok_or_else(|| deny(format!("`{name}` comes from the caller's `{claim}` claim, which the token does not carry")))?;
                match args.get(name) {
                    Some(given) if given != pinned => {
                        return Err(deny(format!(
                            "`{name}` is fixed to the caller's `{claim}` ({pinned}); it cannot be {given}"
                        )));
                    }
                    _ => {
                        args.insert(name.clone(), pinned.clone());
                    }
                }
            }
            let Some(value) = args.get(name) else {
                continue;
            };
            if let Some(allowed) = &terms.allowed
                && !allowed.contains(value)
            {
                let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                return Err(deny(format!(
                    "`{name}` may only be {}, not {value}",
                    list.join(", ")
                )));
            }
            if let Some(n) = value.as_f64()
                && (terms.minimum.is_some_and(|min| n < min)
                    || terms.maximum.is_some_and(|max| n > max))
            {
                return Err(deny(format!(
                    "`{name}` must be between {} and {}, not {n}",
                    terms.minimum.map_or("-inf".into(), |m| m.to_string()),
                    terms.maximum.map_or("inf".into(), |m| m.to_string())
                )));
            }
            if let (Some(pattern), Some(text)) = (&terms.pattern, value.as_str()) {
                let matches = self.patterns.get(pattern).is_some_and(|p| p.matches(text));
                if !matches {
                    return Err(deny(format!("`{name}` must match {pattern}")));
                }
            }
        }
        if let Some(limit) = rule.rate_limit {
            let who = principal
                .and_then(|p| p.subject.clone())
                .unwrap_or_else(|| "anonymous".into());
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            let window = windows.entry((index, who)).or_insert((Instant::now(), 0));
            if window.0.elapsed() >= Duration::from_secs(limit.per_seconds) {
                *window = (Instant::now(), 0);
            }
            if window.1 >= limit.calls {
                return Err(deny(format!(
                    "the rate limit of {} calls per {} s is used up; try again later",
                    limit.calls, limit.per_seconds
                )));
            }
            window.1 += 1;
        }
        Ok(Permit {
            rule: Some(rule.name.clone()),
            credentials: (!rule.credentials.is_empty()).then(|| rule.credentials.clone()),
        })
    }

    /// The first argument of `tool` that rule `index` pins to a claim the principal does not
    /// carry: every call would be refused, so the tool is not listed.
    fn missing_pinned_claim(
        &self,
        index: usize,
        principal: Option<&Principal>,
        tool: &Tool,
    ) -> Option<&str> {
        let rule = &self.policy.as_ref()?.rules[index];
        rule.arguments
            .iter()
            .filter(|(name, _)| tool.property_schema(name).is_some())
            .filter_map(|(_, terms)| terms.claim.as_deref())
            .find(|claim| {
                principal
                    .and_then(|p| p.claims.get(*claim))
                    .is_none_or(Value::is_null)
            })
    }

    /// Why rule `index` cannot let `tool` be called: it limits the credentials, and none of
    /// the tool's security alternatives is made only of those it allows.
    fn credentials_denial(&self, index: usize, tool: &Tool) -> Option<Denial> {
        let rule = &self.policy.as_ref()?.rules[index];
        if rule.credentials.is_empty() || tool.security.is_empty() {
            return None;
        }
        let usable = tool.security.iter().any(|alternative| {
            alternative
                .iter()
                .all(|u| rule.credentials.contains(&u.scheme))
        });
        if usable {
            return None;
        }
        let needs: Vec<String> = tool
            .security
            .iter()
            .map(|alternative| {
                let schemes: Vec<&str> = alternative.iter().map(|u| u.scheme.as_str()).collect();
                format!("`{}`", schemes.join("` and `"))
            })
            .collect();
        Some(Denial {
            rule: rule.name.clone(),
            reason: format!(
                "`{}` needs the credentials {}, and this caller may use only `{}`",
                tool.name,
                needs.join(" or "),
                rule.credentials.join("`, `")
            ),
        })
    }

    /// The allow rule that decides for this principal and tool (`None`: no policy, or the
    /// default allows), or the denial.
    fn decide(&self, principal: Option<&Principal>, tool: &Tool) -> Result<Option<usize>, Denial> {
        let Some(policy) = &self.policy else {
            return Ok(None);
        };
        let applies = |rule: &Rule| is_about(rule, principal) && covers(rule, tool);
        if let Some(rule) = policy
            .rules
            .iter()
            .find(|r| r.effect == Effect::Deny && applies(r))
        {
            return Err(Denial {
                rule: rule.name.clone(),
                reason: format!("`{}` is not allowed for this caller", tool.name),
            });
        }
        if let Some(index) = policy
            .rules
            .iter()
            .position(|r| r.effect == Effect::Allow && applies(r))
        {
            return Ok(Some(index));
        }
        match policy.default {
            Effect::Allow => Ok(None),
            Effect::Deny => Err(Denial {
                rule: "default".into(),
                reason: format!("no policy rule allows `{}` for this caller", tool.name),
            }),
        }
    }
}

/// Writes an argument's terms into a tool's input schema: a pinned argument is removed (it is
/// not the model's to choose), the others get the allowed values, range and pattern.
fn narrow_property(schema: &mut Map<String, Value>, name: &str, terms: &ArgumentRule) {
    let Some(Value::Object(properties)) = schema.get_mut("properties") else {
        return;
    };
    if terms.claim.is_some() {
        if properties.remove(name).is_some()
            && let Some(Value::Array(required)) = schema.get_mut("required")
        {
            required.retain(|r| r.as_str() != Some(name));
            if required.is_empty() {
                schema.remove("required");
            }
        }
        return;
    }
    let Some(Value::Object(property)) = properties.get_mut(name) else {
        return;
    };
    if let Some(allowed) = &terms.allowed {
        // The values both allow; when they share none, the policy's (the tool cannot be
        // called either way, and an empty `enum` is a schema some clients refuse).
        let both: Vec<Value> = match property.get("enum") {
            Some(Value::Array(own)) => allowed
                .iter()
                .filter(|v| own.contains(v))
                .cloned()
                .collect(),
            _ => allowed.clone(),
        };
        let values = if both.is_empty() {
            allowed.clone()
        } else {
            both
        };
        property.insert("enum".into(), Value::Array(values));
    }
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 9e15 {
            Value::from(n as i64)
        } else {
            Value::from(n)
        }
    };
    if let Some(min) = terms.minimum {
        let own = property.get("minimum").and_then(Value::as_f64);
        if own.is_none_or(|own| own < min) {
            property.insert("minimum".into(), number(min));
        }
    }
    if let Some(max) = terms.maximum {
        let own = property.get("maximum").and_then(Value::as_f64);
        if own.is_none_or(|own| own > max) {
            property.insert("maximum".into(), number(max));
        }
    }
    if let Some(pattern) = &terms.pattern {
        let anchored = Value::from(anchored(pattern));
        if property.contains_key("pattern") {
            // A schema holds one `pattern`: the policy's joins through `allOf`.
            let all = property
                .entry("allOf")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(all) = all {
                all.push(serde_json::json!({ "pattern": anchored }));
            }
        } else {
            property.insert("pattern".into(), anchored);
        }
    }
}

/// A pattern matched against the whole string, as policy terms are.
fn anchored(pattern: &str) -> String {
    format!(
        "^(?:{})$",
        pattern.trim_start_matches('^').trim_end_matches('$')
    )
}

/// Whether the rule's `when` holds for the principal.
fn is_about(rule: &Rule, principal: Option<&Principal>) -> bool {
    let who = &rule.when;
    let scopes = principal.map(|p| p.scopes.as_slice()).unwrap_or_default();
    let claims = principal.map(|p| &p.claims);
    who.scopes.iter().all(|s| scopes.contains(s))
        && who.claims.iter().all(|(name, wanted)| {
            let Some(value) = claims.and_then(|c| c.get(name)) else {
                return false;
            };
            match wanted {
                Value::Array(options) => options.contains(value),
                one => one == value,
            }
        })
        && (who.subjects.is_empty()
            || principal
                .and_then(|p| p.subject.as_ref())
                .is_some_and(|s| who.subjects.contains(s)))
}

/// Whether the rule is about the tool.
fn covers(rule: &Rule, tool: &Tool) -> bool {
    (rule.tools.is_empty() || rule.tools.iter().any(|g| name_glob(g, &tool.name)))
        && (rule.tags.is_empty() || rule.tags.iter().any(|t| tool.tags.contains(t)))
        && (rule.methods.is_empty()
            || (tool.query.is_none() && rule.methods.contains(&tool.method)))
}

/// `*` matches any run of characters; everything else matches itself.
pub fn name_glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (head.len()..=name.len())
                    .any(|i| name.is_char_boundary(i) && name_glob(tail, &name[i..]))
        }
    }
}

/// An argument term's `pattern`: a regular expression a string must match as a whole (the
/// JSON Schema `pattern` dialect).
#[derive(Debug)]
pub struct Pattern(jsonschema::Validator);

impl Pattern {
    /// Compiles `pattern`; the error says why it is not a regular expression.
    pub fn new(pattern: &str) -> Result<Self, String> {
        jsonschema::validator_for(
            &serde_json::json!({ "type": "string", "pattern": anchored(pattern) }),
        )
        .map(Pattern)
        .map_err(|e| e.to_string())
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        self.0.is_valid(&Value::String(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_tool_names() {
        assert!(name_glob("api_list*", "api_listOrders"));
        assert!(name_glob("*_report", "revenue_report"));
        assert!(!name_glob("api_list*", "api_getOrder"));
        assert!(name_glob("*", "anything"));
    }

    #[test]
    fn patterns_match_whole_strings() {
        let letters = Pattern::new("[a-z]+").unwrap();
        assert!(letters.matches("abc"));
        assert!(!letters.matches("abc1"));
        assert!(Pattern::new("^EU|NA$").unwrap().matches("NA"));
        assert!(Pattern::new("(").is_err());
    }
}
