//! Address sets for reachability (issue 14): per address family, sorted
//! disjoint inclusive intervals of addresses as `u128` numbers (IPv4 in the
//! low 32 bits), with union, intersection and difference; and the internet
//! source set (every address minus private and reserved ranges).

use super::cidr::{family_max, Cidr};

/// A set of addresses of one family: sorted, disjoint, non-adjacent
/// inclusive intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    /// The empty set.
    pub fn empty() -> Self {
        Self(Vec::new())
    }

    /// Every address of a family.
    pub fn full(v6: bool) -> Self {
        Self(vec![(0, family_max(v6))])
    }

    /// One interval (empty when `lo > hi`).
    pub fn interval(lo: u128, hi: u128) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            Self(vec![(lo, hi)])
        }
    }

    /// The addresses of a CIDR block.
    pub fn of_cidr(c: &Cidr) -> Self {
        let (lo, hi) = c.range();
        Self::interval(lo, hi)
    }

    /// The intervals, in order.
    pub fn intervals(&self) -> &[(u128, u128)] {
        &self.0
    }

    /// True when the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The lowest address, if any.
    pub fn first(&self) -> Option<u128> {
        self.0.first().map(|(lo, _)| *lo)
    }

    /// The number of addresses (saturating at `u128::MAX`).
    pub fn size(&self) -> u128 {
        self.0.iter().fold(0u128, |acc, (lo, hi)| {
            acc.saturating_add((hi - lo).saturating_add(1))
        })
    }

    /// True when `addr` is in the set.
    pub fn contains(&self, addr: u128) -> bool {
        let i = self.0.partition_point(|(_, hi)| *hi < addr);
        self.0.get(i).is_some_and(|(lo, _)| *lo <= addr)
    }

    /// The union of two sets.
    pub fn union(&self, other: &Self) -> Self {
        let mut all: Vec<(u128, u128)> = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() || j < other.0.len() {
            let take_self = match (self.0.get(i), other.0.get(j)) {
                (Some(a), Some(b)) => a.0 <= b.0,
                (Some(_), None) => true,
                _ => false,
            };
            let next = if take_self {
                i += 1;
                self.0[i - 1]
            } else {
                j += 1;
                other.0[j - 1]
            };
            match all.last_mut() {
                Some(last) if next.0 <= last.1.saturating_add(1) => last.1 = last.1.max(next.1),
                _ => all.push(next),
            }
        }
        Self(all)
    }

    /// The intersection of two sets.
    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(a), Some(b)) = (self.0.get(i), other.0.get(j)) {
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self(out)
    }

    /// The addresses of `self` not in `other`.
    pub fn subtract(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let mut j = 0;
        for &(lo, hi) in &self.0 {
            let mut cur = lo;
            let mut open = true;
            while let Some(&(blo, bhi)) = other.0.get(j) {
                if bhi < cur {
                    j += 1;
                    continue;
                }
                if blo > hi {
                    break;
                }
                if blo > cur {
                    out.push((cur, blo - 1));
                }
                if bhi >= hi {
                    open = false;
                    break;
                }
                cur = bhi + 1;
                j += 1;
            }
            if open {
                out.push((cur, hi));
            }
        }
        Self(out)
    }
}

/// A set of IPv4 and IPv6 addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AddrSet {
    /// IPv4 addresses.
    pub v4: Ranges,
    /// IPv6 addresses.
    pub v6: Ranges,
}

impl AddrSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every address of both families.
    pub fn full() -> Self {
        Self {
            v4: Ranges::full(false),
            v6: Ranges::full(true),
        }
    }

    /// The addresses of a CIDR block.
    pub fn of_cidr(c: &Cidr) -> Self {
        let mut s = Self::empty();
        *s.family_mut(c.is_v6()) = Ranges::of_cidr(c);
        s
    }

    /// The addresses of CIDR texts; unparsable texts are skipped.
    pub fn of_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        texts
            .into_iter()
            .filter_map(Cidr::parse)
            .fold(Self::empty(), |acc, c| acc.union(&Self::of_cidr(&c)))
    }

    /// One family's set.
    pub fn family(&self, v6: bool) -> &Ranges {
        if v6 {
            &self.v6
        } else {
            &self.v4
        }
    }

    /// One family's set, mutable.
    pub fn family_mut(&mut self, v6: bool) -> &mut Ranges {
        if v6 {
            &mut self.v6
        } else {
            &mut self.v4
        }
    }

    /// True when neither family holds an address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The union.
    pub fn union(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }

    /// The intersection.
    pub fn intersect(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.intersect(&o.v4),
            v6: self.v6.intersect(&o.v6),
        }
    }

    /// The difference.
    pub fn subtract(&self, o: &Self) -> Self {
        Self {
            v4: self.v4.subtract(&o.v4),
            v6: self.v6.subtract(&o.v6),
        }
    }
}

/// IPv4 ranges that are not internet sources: "this network", private,
/// shared address space, loopback, link-local, documentation is kept
/// (203.0.113.0/24 and friends are routable in tests and examples),
/// multicast and reserved.
const NON_INTERNET_V4: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// IPv6 ranges that are not internet sources: unspecified and loopback,
/// unique local, link-local, multicast.
const NON_INTERNET_V6: &[&str] = &["::/127", "fc00::/7", "fe80::/10", "ff00::/8"];

/// The internet source set: `0.0.0.0/0` and `::/0` minus private and
/// reserved ranges.
pub fn internet() -> AddrSet {
    let reserved = AddrSet::of_texts(NON_INTERNET_V4.iter().chain(NON_INTERNET_V6).copied());
    AddrSet::full().subtract(&reserved)
}

/// The smallest number of internet addresses an end-to-end admitted set
/// must hold to count as "the internet" rather than an allow-list: a /16 of
/// IPv4 (65,536 addresses), a /47 of IPv6 (the bounds of
/// [`Cidr::is_broad_public`]).
pub fn is_broad(s: &AddrSet) -> bool {
    s.v4.size() >= 1 << 16 || s.v6.size() >= 1 << 81
}

/// An address as text (IPv4 dotted quad or IPv6).
pub fn addr_text(addr: u128, v6: bool) -> String {
    if v6 {
        std::net::Ipv6Addr::from(addr).to_string()
    } else {
        u32::try_from(addr).map_or_else(
            |_| addr.to_string(),
            |a| std::net::Ipv4Addr::from(a).to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(texts: &[&str]) -> AddrSet {
        AddrSet::of_texts(texts.iter().copied())
    }

    #[test]
    fn union_merges_overlaps_and_neighbours() {
        let a = set(&["10.0.0.0/25", "10.0.1.0/24"]);
        let b = set(&["10.0.0.128/25", "10.0.3.0/24"]);
        assert_eq!(a.union(&b), set(&["10.0.0.0/23", "10.0.3.0/24"]));
        assert_eq!(a.union(&AddrSet::empty()), a);
    }

    #[test]
    fn intersect_and_subtract() {
        let all = set(&["0.0.0.0/0"]);
        let private = set(&["10.0.0.0/8"]);
        assert_eq!(all.intersect(&private), private);
        let rest = all.subtract(&private);
        assert!(!rest.v4.contains(0x0a01_0203));
        assert!(rest.v4.contains(0x0b00_0000) && rest.v4.contains(0x09ff_ffff));
        assert_eq!(rest.v4.size(), (1u128 << 32) - (1 << 24));
        assert!(rest.intersect(&private).is_empty());
        assert_eq!(rest.union(&private), all);
        // Several holes in one interval.
        let holes = all.subtract(&set(&[
            "10.0.0.0/8",
            "192.168.0.0/16",
            "255.255.255.255/32",
        ]));
        assert_eq!(holes.v4.intervals().len(), 3);
        assert!(holes.v4.contains(0xffff_fffe) && !holes.v4.contains(0xffff_ffff));
    }

    #[test]
    fn families_stay_apart() {
        let s = set(&["0.0.0.0/0", "2001:db8::/32"]);
        assert_eq!(s.v4, Ranges::full(false));
        assert_eq!(s.v6.size(), 1u128 << 96);
        assert_eq!(AddrSet::full().v6.size(), u128::MAX, "saturates");
    }

    #[test]
    fn internet_excludes_private_ranges_and_breadth_is_a_slash_16() {
        let net = internet();
        assert!(net.intersect(&set(&["10.0.0.0/8", "fd00::/8"])).is_empty());
        assert!(is_broad(&net.intersect(&set(&["52.0.0.0/16"]))));
        assert!(!is_broad(&net.intersect(&set(&["203.0.113.0/24"]))));
        assert!(is_broad(&net.intersect(&set(&["2600::/47"]))));
        assert!(!is_broad(&net.intersect(&set(&["2600::/48"]))));
        assert!(!is_broad(&net.intersect(&set(&["10.0.0.0/8"]))));
        assert_eq!(addr_text(0x0102_0304, false), "1.2.3.4");
        assert_eq!(addr_text(1, true), "::1");
    }
}
