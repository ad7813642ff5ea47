//! `$expand`: which related entities to inline, e.g. `policy($expand=rules)`.

use crate::error::{excerpt, ODataError};

/// One relationship to expand, with the relationships to expand inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expand {
    pub name: String,
    pub nested: Vec<Expand>,
}

/// Parses a `$expand` value. `allowed` lists what the endpoint can expand as `/`-separated
/// paths: `["policy", "policy/rules"]` accepts `policy` and `policy($expand=rules)`. Names match
/// case-insensitively and come back spelled as in `allowed`.
pub(crate) fn parse_expand(text: &str, allowed: &[&str]) -> Result<Vec<Expand>, ODataError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        next: 0,
        allowed,
    };
    let items = parser.list("")?;
    match parser.peek() {
        None => Ok(items),
        Some(c) => Err(parser.unexpected(c)),
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    next: usize,
    allowed: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.next).is_some_and(|c| c.is_whitespace()) {
            self.next += 1;
        }
        self.chars.get(self.next).copied()
    }

    fn eat(&mut self, expected: char) -> bool {
        let found = self.peek() == Some(expected);
        if found {
            self.next += 1;
        }
        found
    }

    /// `item ("," item)*`, where `parent` is the canonical path the items are nested in.
    fn list(&mut self, parent: &str) -> Result<Vec<Expand>, ODataError> {
        let mut items: Vec<Expand> = Vec::new();
        loop {
            let item = self.item(parent)?;
            if items.iter().any(|seen| seen.name == item.name) {
                return Err(invalid(format!(
                    "'{}' is listed more than once",
                    join(parent, &item.name)
                )));
            }
            items.push(item);
            if !self.eat(',') {
                return Ok(items);
            }
        }
    }

    /// `name` or `name($expand=list)`.
    fn item(&mut self, parent: &str) -> Result<Expand, ODataError> {
        let name = self.name();
        if name.is_empty() {
            return Err(match self.peek() {
                Some('*') => invalid("'*' is not supported; name each relationship to expand"),
                Some(c) => self.unexpected(c),
                None => invalid("a relationship name is missing"),
            });
        }
        let requested = join(parent, &name);
        let Some(path) = self
            .allowed
            .iter()
            .find(|path| path.eq_ignore_ascii_case(&requested))
        else {
            return Err(invalid(format!(
                "'{}' cannot be expanded on this endpoint",
                excerpt(&requested)
            )));
        };
        let name = path.rsplit('/').next().unwrap_or(path).to_owned();
        let nested = if self.eat('(') {
            let nested = self.options(path)?;
            if !self.eat(')') {
                return Err(match self.peek() {
                    Some(c) => self.unexpected(c),
                    None => invalid(format!("the '(' after '{name}' is never closed")),
                });
            }
            nested
        } else {
            Vec::new()
        };
        Ok(Expand { name, nested })
    }

    /// The options inside `name(...)`: only `$expand` is supported there.
    fn options(&mut self, path: &str) -> Result<Vec<Expand>, ODataError> {
        self.peek();
        let start = self.next;
        while self
            .chars
            .get(self.next)
            .is_some_and(|&c| c != '=' && c != ')' && c != ';' && !c.is_whitespace())
        {
            self.next += 1;
        }
        let option: String = self.chars[start..self.next].iter().collect();
        if !option.eq_ignore_ascii_case("$expand") {
            return Err(ODataError::new(
                "$expand",
                format!(
                    "Invalid $expand: the option '{}' is not supported inside $expand.",
                    excerpt(&option)
                ),
            ));
        }
        if !self.eat('=') {
            return Err(invalid("'$expand' inside $expand needs '=' and a list"));
        }
        self.list(path)
    }

    fn name(&mut self) -> String {
        self.peek();
        let start = self.next;
        while self
            .chars
            .get(self.next)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.next += 1;
        }
        self.chars[start..self.next].iter().collect()
    }

    fn unexpected(&self, c: char) -> ODataError {
        let hint = if c == '/' {
            "; nest with 'name($expand=other)' instead"
        } else {
            ""
        };
        invalid(format!("unexpected '{c}' at position {}{hint}", self.next))
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

fn invalid(detail: impl std::fmt::Display) -> ODataError {
    ODataError::new("$expand", format!("Invalid $expand: {detail}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOWED: &[&str] = &["policy", "policy/rules", "principal", "target"];

    fn leaf(name: &str) -> Expand {
        Expand {
            name: name.to_owned(),
            nested: Vec::new(),
        }
    }

    fn error(text: &str) -> String {
        parse_expand(text, ALLOWED)
            .expect_err("should be refused")
            .message()
            .to_owned()
    }

    #[test]
    fn plain_names_are_listed_in_order() {
        assert_eq!(
            parse_expand("principal, target", ALLOWED).unwrap(),
            vec![leaf("principal"), leaf("target")]
        );
    }

    #[test]
    fn nested_expand_follows_graph_syntax() {
        assert_eq!(
            parse_expand("policy($expand=rules)", ALLOWED).unwrap(),
            vec![Expand {
                name: "policy".to_owned(),
                nested: vec![leaf("rules")],
            }]
        );
    }

    #[test]
    fn names_take_the_canonical_spelling() {
        assert_eq!(
            parse_expand("POLICY( $Expand = RULES ),Target", ALLOWED).unwrap(),
            vec![
                Expand {
                    name: "policy".to_owned(),
                    nested: vec![leaf("rules")],
                },
                leaf("target"),
            ]
        );
    }

    #[test]
    fn star_is_refused() {
        assert_eq!(
            error("*"),
            "Invalid $expand: '*' is not supported; name each relationship to expand."
        );
    }

    #[test]
    fn unknown_relationships_are_refused_with_their_path() {
        assert_eq!(
            error("owners"),
            "Invalid $expand: 'owners' cannot be expanded on this endpoint."
        );
        assert_eq!(
            error("policy($expand=owners)"),
            "Invalid $expand: 'policy/owners' cannot be expanded on this endpoint."
        );
        assert!(error("principal($expand=rules)").contains("'principal/rules'"));
    }

    #[test]
    fn other_options_inside_expand_are_refused() {
        assert_eq!(
            error("policy($select=id)"),
            "Invalid $expand: the option '$select' is not supported inside $expand."
        );
        assert!(error("policy($levels=2)").contains("'$levels'"));
        assert!(error("policy()").contains("the option '' is not supported"));
    }

    #[test]
    fn malformed_lists_are_refused() {
        assert!(error("").contains("a relationship name is missing"));
        assert!(error("policy,").contains("a relationship name is missing"));
        assert!(error("policy($expand=rules").contains("never closed"));
        assert!(error("policy($expand)").contains("needs '='"));
        assert!(error("policy/rules").contains("nest with"));
        assert!(error("policy principal").contains("unexpected 'p'"));
    }

    #[test]
    fn repeated_relationships_are_refused() {
        assert!(error("policy,Policy").contains("'policy' is listed more than once"));
    }
}
