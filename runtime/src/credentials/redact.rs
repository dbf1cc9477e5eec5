//! Redaction of secrets from whatever a call gives back: an upstream that echoes a header or
//! a query string must not hand the model the credential it was sent.

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Values shorter than this are not searched for: a three-letter secret would blank out
/// ordinary words all over a response, and is no secret worth the name.
const SHORTEST: usize = 4;

/// The secrets of one call, in every form they were sent in.
#[derive(Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Adds one form of a secret, and the form it takes inside a JSON string when that
    /// differs (an upstream that echoes it back in JSON escapes `"`, `\\` and `/`).
    pub fn add(&mut self, needle: &str) {
        self.add_form(needle);
        let quoted = serde_json::to_string(needle).expect("strings serialize");
        let escaped = &quoted[1..quoted.len() - 1];
        if escaped != needle {
            self.add_form(escaped);
        }
        if needle.contains('/') {
            self.add_form(&escaped.replace('/', "\\/"));
        }
    }

    fn add_form(&mut self, needle: &str) {
        if needle.len() >= SHORTEST && !self.needles.iter().any(|n| n == needle) {
            self.needles.push(needle.to_string());
            // Longest first, so a secret is replaced whole before any part of it.
            self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        }
    }

    /// Adds every form another redactor holds (the secrets of a retried request).
    pub fn extend(&mut self, other: Redactor) {
        for needle in other.needles {
            self.add_form(&needle);
        }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret replaced.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), REDACTED);
            }
        }
        out
    }

    /// `bytes` with every secret replaced (for bodies, before they are decoded).
    pub fn bytes(&self, bytes: &mut Vec<u8>) {
        for needle in &self.needles {
            let needle = needle.as_bytes();
            if !bytes.windows(needle.len()).any(|w| w == needle) {
                continue;
            }
            let mut out = Vec::with_capacity(bytes.len());
            let mut at = 0;
            while at < bytes.len() {
                if bytes[at..].starts_with(needle) {
                    out.extend_from_slice(REDACTED.as_bytes());
                    at += needle.len();
                } else {
                    out.push(bytes[at]);
                    at += 1;
                }
            }
            *bytes = out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_replaced_and_short_values_are_left() {
        let mut r = Redactor::default();
        r.add("s3cr3t-value");
        r.add("s3cr3t");
        r.add("abc");
        assert_eq!(
            r.text("x s3cr3t-value y s3cr3t abc"),
            "x [REDACTED] y [REDACTED] abc"
        );
        let mut json = Redactor::default();
        json.add("pa\"ss/w\\rd");
        assert_eq!(
            json.text(r#"{"a":"pa\"ss/w\\rd","b":"pa\"ss\/w\\rd"}"#),
            r#"{"a":"[REDACTED]","b":"[REDACTED]"}"#
        );
        let mut body = b"{\"echo\":\"s3cr3t-value\",\"n\":1}".to_vec();
        r.bytes(&mut body);
        assert_eq!(body, b"{\"echo\":\"[REDACTED]\",\"n\":1}");
    }
}
