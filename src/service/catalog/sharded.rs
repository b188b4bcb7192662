//! Maps split into shards behind shared pointers. Each change makes a new catalogue snapshot, and
//! a snapshot that changes a few entries copies only their shards: with one map per kind of
//! record, every change used to copy (and later free) an entry per customer.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash};
use std::sync::Arc;

/// Enough that a change copies a small fraction of a map, few enough that an empty map is cheap.
const SHARDS: usize = 64;

/// Picks a key's shard; the same for every map, since shards are compared across snapshots.
type ShardHasher = BuildHasherDefault<DefaultHasher>;

pub struct ShardedMap<K, V> {
    shards: Vec<Arc<HashMap<K, V>>>,
}

impl<K, V> Clone for ShardedMap<K, V> {
    fn clone(&self) -> Self {
        Self {
            shards: self.shards.clone(),
        }
    }
}

impl<K, V> Default for ShardedMap<K, V> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Arc::new(HashMap::new())).collect(),
        }
    }
}

fn shard_of<Q: Hash + ?Sized>(key: &Q) -> usize {
    (ShardHasher::default().hash_one(key) % SHARDS as u64) as usize
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[shard_of(key)].get(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|shard| shard.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(|shard| shard.iter())
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, value)| value)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ShardedMap<K, V> {
    /// The shard `key` lives in, copied first if another snapshot shares it.
    fn shard_mut<Q: Hash + ?Sized>(&mut self, key: &Q) -> &mut HashMap<K, V> {
        Arc::make_mut(&mut self.shards[shard_of(key)])
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.shard_mut(&key).insert(key, value)
    }

    /// The shard holding `key`, copied first if shared; `None`, and nothing copied, when no
    /// shard holds it.
    fn shard_holding<Q>(&mut self, key: &Q) -> Option<&mut HashMap<K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.contains_key(key).then(|| self.shard_mut(key))
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard_holding(key)?.remove(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard_holding(key)?.get_mut(key)
    }

    /// The value under `key`, put there by `make` when there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.shard_mut(&key).entry(key).or_insert_with(make)
    }
}

impl<K, V, Q> std::ops::Index<&Q> for ShardedMap<K, V>
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ?Sized,
{
    type Output = V;

    /// Like a `HashMap`'s: panics when `key` is not there.
    fn index(&self, key: &Q) -> &V {
        match self.get(key) {
            Some(value) => value,
            None => panic!("no such key in the map"),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> FromIterator<(K, V)> for ShardedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = Self::default();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_shards<K, V>(a: &ShardedMap<K, V>, b: &ShardedMap<K, V>) -> usize {
        (a.shards.iter().zip(&b.shards))
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count()
    }

    #[test]
    fn a_changed_copy_shares_every_shard_but_the_one_it_changed() {
        let before: ShardedMap<String, u32> = (0..1000).map(|n| (format!("k{n}"), n)).collect();
        let mut after = before.clone();
        after.insert("k5".into(), 50);
        assert_eq!(shared_shards(&before, &after), SHARDS - 1);
        assert_eq!(before.get("k5"), Some(&5));
        assert_eq!(after.get("k5"), Some(&50));
        assert_eq!((before.len(), after.len()), (1000, 1000));
    }

    #[test]
    fn removing_an_absent_key_copies_nothing_and_a_present_one_goes() {
        let before: ShardedMap<String, u32> = (0..100).map(|n| (format!("k{n}"), n)).collect();
        let mut after = before.clone();
        assert_eq!(after.remove("missing"), None);
        assert!(after.get_mut("missing").is_none());
        assert_eq!(shared_shards(&before, &after), SHARDS);
        assert_eq!(after.remove("k7"), Some(7));
        assert!(!after.contains_key("k7") && before.contains_key("k7"));
        assert_eq!(after.len(), 99);
        *after.get_or_insert_with("new".into(), || 0) += 3;
        *after.get_mut("k8").unwrap() += 1;
        assert_eq!((after.get("new"), after.get("k8")), (Some(&3), Some(&9)));
        let mut keys: Vec<_> = after.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys.len(), 100);
        assert!(ShardedMap::<String, u32>::default().is_empty());
    }
}
