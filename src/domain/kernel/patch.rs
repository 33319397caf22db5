//! Partial updates as JSON merge patches (RFC 7396): absent keeps, null clears, objects merge.

use serde_json::Value;

/// Applies `patch` to `target` in place.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "tags": ["x"]});
        merge(
            &mut doc,
            &json!({"a": "z", "c": {"f": null}, "tags": ["y", "z"], "n": 1}),
        );
        assert_eq!(
            doc,
            json!({"a": "z", "c": {"d": "e"}, "tags": ["y", "z"], "n": 1})
        );
    }

    #[test]
    fn empty_patch_changes_nothing() {
        let original = json!({"a": {"b": [1, 2]}});
        let mut doc = original.clone();
        merge(&mut doc, &json!({}));
        assert_eq!(doc, original);
    }
}
