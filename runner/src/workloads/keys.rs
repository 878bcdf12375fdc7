//! Which key an operation touches: uniform, scrambled Zipfian or latest over a
//! keyspace of `1..=n`, drawn from the operation's index so that a run is
//! reproducible and needs no random state per user.
//!
//! Zipf draws are exact (rejection-inversion, Hörmann and Derflinger 1996): key of
//! popularity rank `k` comes with probability `k^-θ / H(n, θ)`, for any θ > 0 and
//! any n, in constant time and memory. "Scrambled" spreads the popular ranks over
//! the keyspace with a bijection (an affine permutation), so that neighbouring keys
//! are not all hot; "latest" makes the highest keys the most popular.

use anyhow::bail;
use perfproof_shared::report::KeyDistribution;

/// Zipf exponent when none is given (YCSB's).
pub const DEFAULT_THETA: f64 = 0.99;

/// The shape of key popularity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Popularity {
    Uniform,
    /// Zipf over ranks, ranks spread over the keyspace.
    Zipfian {
        theta: f64,
    },
    /// Zipf over ranks, rank 1 being the highest key.
    Latest {
        theta: f64,
    },
}

impl Popularity {
    /// Reads `uniform`, `zipfian` or `latest`, with θ for the last two.
    pub fn parse(name: &str, theta: Option<f64>, at: &str) -> anyhow::Result<Self> {
        let theta = theta.unwrap_or(DEFAULT_THETA);
        if !(theta.is_finite() && theta > 0.0 && theta <= 10.0) {
            bail!("{at}.theta must be a number above 0 (at most 10), not {theta}");
        }
        Ok(match name {
            "uniform" => Popularity::Uniform,
            "zipfian" => Popularity::Zipfian { theta },
            "latest" => Popularity::Latest { theta },
            other => bail!("{at}.distribution: `{other}` is not one of uniform, zipfian, latest"),
        })
    }
}

/// Draws keys in `1..=n`.
#[derive(Debug, Clone)]
pub struct Keys {
    popularity: Popularity,
    n: u64,
    zipf: Option<Zipf>,
    /// The scrambling bijection `rank ↦ (a · rank + b) mod n`, `a` coprime to `n`.
    a: u64,
    b: u64,
}

impl Keys {
    pub fn new(popularity: Popularity, n: u64) -> anyhow::Result<Self> {
        if n == 0 {
            bail!("the keyspace must hold at least one key");
        }
        let zipf = match popularity {
            Popularity::Uniform => None,
            Popularity::Zipfian { theta } | Popularity::Latest { theta } => Some(Zipf::new(n, theta)),
        };
        // A large prime that does not divide n is coprime to it.
        const PRIMES: [u64; 3] = [2_654_435_761, 2_246_822_519, 3_266_489_917];
        let a = PRIMES.into_iter().find(|p| !n.is_multiple_of(*p)).unwrap_or(1) % n;
        let a = if a == 0 { 1 } else { a };
        Ok(Keys { popularity, n, zipf, a, b: n / 3 })
    }

    /// The keyspace size.
    pub fn keyspace(&self) -> u64 {
        self.n
    }

    /// The key of draw `draw` in stream `stream` (a workload uses one stream per purpose).
    pub fn key(&self, stream: u64, draw: u64) -> u64 {
        let mut random = Random::new(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ draw);
        match (&self.zipf, self.popularity) {
            (None, _) => 1 + random.below(self.n),
            (Some(zipf), Popularity::Latest { .. }) => self.n + 1 - zipf.sample(&mut random),
            (Some(zipf), _) => self.scramble(zipf.sample(&mut random)),
        }
    }

    /// Rank `rank` (1 = most popular) as a key, spread over the keyspace.
    pub fn scramble(&self, rank: u64) -> u64 {
        let r = u128::from(rank - 1);
        ((u128::from(self.a) * r + u128::from(self.b)) % u128::from(self.n)) as u64 + 1
    }

    /// The report's description.
    pub fn describe(&self) -> KeyDistribution {
        let (kind, theta) = match self.popularity {
            Popularity::Uniform => ("uniform", None),
            Popularity::Zipfian { theta } => ("zipfian", Some(theta)),
            Popularity::Latest { theta } => ("latest", Some(theta)),
        };
        KeyDistribution { kind: kind.into(), theta, keyspace: self.n }
    }
}

/// splitmix64: a small, fast generator, good enough for drawing keys.
#[derive(Debug, Clone)]
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Random(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Exact Zipf sampling over ranks `1..=n` by rejection-inversion.
#[derive(Debug, Clone)]
struct Zipf {
    n: f64,
    theta: f64,
    h_x1: f64,
    h_n: f64,
    s: f64,
}

impl Zipf {
    fn new(n: u64, theta: f64) -> Self {
        let n = n as f64;
        let mut z = Zipf { n, theta, h_x1: 0.0, h_n: 0.0, s: 0.0 };
        z.h_x1 = z.h_integral(1.5) - 1.0;
        z.h_n = z.h_integral(n + 0.5);
        z.s = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    fn sample(&self, random: &mut Random) -> u64 {
        loop {
            let u = self.h_n + random.unit() * (self.h_x1 - self.h_n);
            let x = self.h_integral_inverse(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.s || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }

    /// `h(x) = x^-θ`.
    fn h(&self, x: f64) -> f64 {
        (-self.theta * x.ln()).exp()
    }

    /// An antiderivative of `h`: `(x^(1-θ) - 1) / (1-θ)`, `ln x` at θ = 1.
    fn h_integral(&self, x: f64) -> f64 {
        let log_x = x.ln();
        expm1_over_x((1.0 - self.theta) * log_x) * log_x
    }

    fn h_integral_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.theta)).max(-1.0);
        (log1p_over_x(t) * x).exp()
    }
}

/// `(e^x - 1) / x`, 1 at 0.
fn expm1_over_x(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x / 2.0 * (1.0 + x / 3.0)
    }
}

/// `ln(1 + x) / x`, 1 at 0.
fn log1p_over_x(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x / 3.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfproof_shared::report::harmonic;

    fn frequencies(keys: &Keys, draws: u64) -> Vec<f64> {
        let mut counts = vec![0u64; keys.keyspace() as usize + 1];
        for d in 0..draws {
            counts[keys.key(7, d) as usize] += 1;
        }
        counts.into_iter().map(|c| c as f64 / draws as f64).collect()
    }

    #[test]
    fn zipf_ranks_follow_the_exact_distribution() {
        // Latest: key n + 1 - rank, so rank k is key n + 1 - k.
        for theta in [0.5, 0.99, 1.0, 1.5] {
            let n = 50;
            let keys = Keys::new(Popularity::Latest { theta }, n).unwrap();
            let draws = 400_000;
            let f = frequencies(&keys, draws);
            let h = harmonic(n, theta);
            for k in 1..=n {
                let p = (k as f64).powf(-theta) / h;
                let sd = (p * (1.0 - p) / draws as f64).sqrt();
                let seen = f[(n + 1 - k) as usize];
                assert!((seen - p).abs() < 5.0 * sd + 1e-9, "θ {theta} rank {k}: {seen} vs {p}");
            }
        }
    }

    #[test]
    fn scrambling_is_a_bijection_and_uniform_covers_the_keyspace() {
        for n in [1, 2, 3, 10, 97, 1000, 2_654_435_761 * 2] {
            let keys = Keys::new(Popularity::Zipfian { theta: 0.99 }, n).unwrap();
            if n <= 1000 {
                let mut seen: Vec<u64> = (1..=n).map(|r| keys.scramble(r)).collect();
                seen.sort_unstable();
                assert_eq!(seen, (1..=n).collect::<Vec<_>>(), "n = {n}");
            }
            assert!((1..=n).contains(&keys.key(0, 12345)));
        }
        let uniform = Keys::new(Popularity::Uniform, 10).unwrap();
        let f = frequencies(&uniform, 100_000);
        assert!(f[1..].iter().all(|p| (p - 0.1).abs() < 0.01), "{f:?}");
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(Popularity::parse("zipf", None, "db.keys").unwrap_err().to_string().contains("db.keys.distribution"));
        assert!(Popularity::parse("zipfian", Some(0.0), "db.keys").unwrap_err().to_string().contains("theta"));
        assert!(Keys::new(Popularity::Uniform, 0).is_err());
    }
}
