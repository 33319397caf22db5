//! Checks a GraphQL document's text before it is parsed: brackets nested deeper than any real
//! query needs are refused in one linear pass, so a hostile document never reaches the parser.

/// Deepest nesting of `{`, `[` and `(` a document may have.
pub const MAX_NESTING: usize = 64;

/// Whether `document` nests brackets deeper than `limit`, ignoring brackets inside strings
/// (`"…"`, with escapes, and `"""…"""` blocks) and comments.
pub fn too_deep(document: &str, limit: usize) -> bool {
    let bytes = document.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert!(!too_deep("{ assets { edges { node { id } } } }", 4));
        assert!(too_deep("{ assets { edges { node { id } } } }", 3));
        assert!(!too_deep(r#"{ a(x: "[[[[[[") }"#, 2));
        assert!(!too_deep("{ a(x: \"\"\"[[[[\\\"\"\"[\"\"\") }", 2));
        assert!(!too_deep("# [[[[[[\n{ a }", 1));
        assert!(too_deep(&"[".repeat(1_000_000), MAX_NESTING));
        assert!(!too_deep(&"[]".repeat(1_000_000), MAX_NESTING));
    }
}
