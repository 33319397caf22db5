//! Fields of JSON documents addressed by dotted paths (`purchase.cost.amount`): how filters,
//! audit entries, discovery and the store all reach into a stored document.

use serde_json::Value;

/// The value at a dotted path, null included.
pub fn get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |node, key| node.get(key))
}

/// The value at a dotted path, if present and not null.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    get(doc, path).filter(|v| !v.is_null())
}

/// The value at a dotted path, for rewriting in place.
pub fn get_mut<'a>(doc: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(doc, |node, key| node.get_mut(key))
}

/// Sets the field at a dotted path, making objects of whatever stands on the way.
pub fn set(doc: &mut Value, path: &str, value: Value) {
    let (parents, last) = match path.rsplit_once('.') {
        Some((parents, last)) => (Some(parents), last),
        None => (None, path),
    };
    let mut slot = doc;
    for key in parents.into_iter().flat_map(|p| p.split('.')) {
        slot = object(slot)
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    object(slot).insert(last.to_string(), value);
}

/// Removes the field at a dotted path, then every object left empty on the way to it.
pub fn remove(doc: &mut Value, path: &str) {
    let keys: Vec<&str> = path.split('.').collect();
    prune(doc, &keys);
}

fn prune(doc: &mut Value, keys: &[&str]) {
    let (Some((first, rest)), Some(map)) = (keys.split_first(), doc.as_object_mut()) else {
        return;
    };
    if rest.is_empty() {
        map.remove(*first);
        return;
    }
    if let Some(child) = map.get_mut(*first) {
        prune(child, rest);
        if child.as_object().is_some_and(|o| o.is_empty()) {
            map.remove(*first);
        }
    }
}

/// The node as an object, replacing whatever else stood there.
fn object(node: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !node.is_object() {
        *node = Value::Object(Default::default());
    }
    node.as_object_mut().expect("made an object")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn set_makes_objects_of_whatever_stands_on_the_way() {
        let mut doc = json!({"purchase": 3});
        set(&mut doc, "purchase.cost.amount", json!("10.00"));
        assert_eq!(doc, json!({"purchase": {"cost": {"amount": "10.00"}}}));
        assert_eq!(get(&doc, "purchase.cost.amount"), Some(&json!("10.00")));
    }

    #[test]
    fn remove_also_removes_objects_left_empty() {
        let mut doc = json!({"purchase": {"cost": {"amount": "1"}, "date": "2024-01-01"}});
        remove(&mut doc, "purchase.cost.amount");
        assert_eq!(doc, json!({"purchase": {"date": "2024-01-01"}}));
        remove(&mut doc, "purchase.date");
        assert_eq!(doc, json!({}));
    }

    #[test]
    fn lookup_skips_nulls_that_get_returns() {
        let doc = json!({"a": {"b": null}});
        assert_eq!(get(&doc, "a.b"), Some(&Value::Null));
        assert_eq!(lookup(&doc, "a.b"), None);
        assert_eq!(lookup(&doc, "a.c"), None);
    }
}
