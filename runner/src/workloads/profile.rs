//! The demo profiles every embedded target follows: `baseline`, the service as it
//! was, and `optimized`, the same service after the optimizations, so that
//! `perfproof demo` shows an improvement in every tier. Each workload says what a
//! profile means for its own target (the HTTP demo service's pool, index and
//! response cache; the embedded database's pool and index).

/// A demo profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Before the optimizations: undersized pools, missing indexes, no cache.
    #[default]
    Baseline,
    /// After them: right-sized pools, the indexes, caches.
    Optimized,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 2] = [Profile::Baseline, Profile::Optimized];

    /// The profile's name, also the label of its runs in `perfproof demo`.
    pub fn label(self) -> &'static str {
        match self {
            Profile::Baseline => "baseline",
            Profile::Optimized => "optimized",
        }
    }

    /// The profile of that name.
    pub fn from_label(label: &str) -> Option<Self> {
        Profile::ALL.into_iter().find(|p| p.label() == label)
    }
}
