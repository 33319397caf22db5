//! Substring search without a scan: every run of three characters of the searched fields points
//! at the rows holding it, so a needle's candidates are the rows holding all of its runs.

use roaring::RoaringBitmap;
use rustc_hash::FxHashMap;

/// Three characters packed into one number (21 bits each covers Unicode).
type Gram = u64;

/// Rows by the three-character runs of their (lower-cased) searched text.
#[derive(Debug, Clone, Default)]
pub struct Grams {
    rows: FxHashMap<Gram, RoaringBitmap>,
}

/// Needles shorter than this are checked row by row: they have no run to look up.
pub const SHORTEST: usize = 3;

fn grams(text: &str) -> impl Iterator<Item = Gram> + '_ {
    let chars: Vec<char> = text.chars().collect();
    let packed: Vec<Gram> = chars
        .windows(SHORTEST)
        .map(|w| w.iter().fold(0u64, |g, c| (g << 21) | u64::from(*c)))
        .collect();
    packed.into_iter()
}

impl Grams {
    pub fn add(&mut self, row: u32, texts: &[Box<str>]) {
        for text in texts {
            for gram in grams(text) {
                self.rows.entry(gram).or_default().insert(row);
            }
        }
    }

    pub fn remove(&mut self, row: u32, texts: &[Box<str>]) {
        for text in texts {
            for gram in grams(text) {
                if let Some(rows) = self.rows.get_mut(&gram) {
                    rows.remove(row);
                    if rows.is_empty() {
                        self.rows.remove(&gram);
                    }
                }
            }
        }
    }

    /// Rows holding every run of the (lower-cased) needle, or `None` when it is too short to
    /// have one. For a needle of exactly three characters the answer is exact.
    pub fn candidates(&self, needle: &str) -> Option<RoaringBitmap> {
        let mut wanted: Vec<Gram> = grams(needle).collect();
        if wanted.is_empty() {
            return None;
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut sets: Vec<&RoaringBitmap> = Vec::with_capacity(wanted.len());
        for gram in wanted {
            match self.rows.get(&gram) {
                Some(rows) => sets.push(rows),
                None => return Some(RoaringBitmap::new()),
            }
        }
        sets.sort_by_key(|s| s.len());
        let mut rows = sets[0].clone();
        for set in &sets[1..] {
            rows &= *set;
        }
        Some(rows)
    }
}
