//! Minimal CIDR arithmetic for derived network facts (containment and
//! address family), independent of Cedar's `ipaddr` extension, and which
//! address families a rule's peers open to the whole internet.

use std::net::IpAddr;

/// A parsed CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// Network address as a 128-bit number (IPv4 in the low 32 bits).
    addr: u128,
    /// Prefix length.
    prefix: u8,
    /// IPv6 (else IPv4).
    v6: bool,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x::y/n` (a bare address is a host route).
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => {
                let prefix = prefix.unwrap_or(32);
                (prefix <= 32).then(|| Self {
                    addr: u128::from(u32::from(v4)),
                    prefix,
                    v6: false,
                })
            }
            IpAddr::V6(v6) => {
                let prefix = prefix.unwrap_or(128);
                (prefix <= 128).then(|| Self {
                    addr: u128::from(v6),
                    prefix,
                    v6: true,
                })
            }
        }
    }

    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    fn mask(&self) -> u128 {
        let host_bits = self.bits() - u32::from(self.prefix);
        if host_bits >= 128 {
            0
        } else {
            !((1u128 << host_bits) - 1)
        }
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// True for an IPv6 block.
    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// The first and last address of the block, as numbers (IPv4 in the low
    /// 32 bits).
    pub fn range(&self) -> (u128, u128) {
        let lo = self.addr & self.mask();
        (lo, lo | (!self.mask() & family_max(self.v6)))
    }

    /// True when every address of `other` is in `self` (same family).
    pub fn contains(&self, other: &Cidr) -> bool {
        self.v6 == other.v6
            && self.prefix <= other.prefix
            && (self.addr & self.mask()) == (other.addr & self.mask())
    }
}

/// The highest address of a family as a number.
pub fn family_max(v6: bool) -> u128 {
    if v6 {
        u128::MAX
    } else {
        u128::from(u32::MAX)
    }
}

/// IPv4 ranges that are not public: private (RFC 1918), shared address
/// space (RFC 6598), loopback and link-local.
const NON_PUBLIC_V4: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
];

/// IPv6 ranges that are not public: unique local and link-local.
const NON_PUBLIC_V6: &[&str] = &["fc00::/7", "fe80::/10"];

impl Cidr {
    /// A broad public range other than the whole family: IPv4 /1 to /16 or
    /// IPv6 /1 to /47, not inside a private, shared, loopback or link-local
    /// range.
    pub fn is_broad_public(&self) -> bool {
        let (max, reserved) = if self.v6 {
            (47, NON_PUBLIC_V6)
        } else {
            (16, NON_PUBLIC_V4)
        };
        (1..=max).contains(&self.prefix)
            && !reserved
                .iter()
                .filter_map(|r| Cidr::parse(r))
                .any(|r| r.contains(self))
    }
}

/// The address families that a set of peer ranges opens to the whole
/// internet (a `/0` block: `0.0.0.0/0`, `::/0`) or to a broad public range
/// ([`Cidr::is_broad_public`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InternetExposure {
    /// Some range is all of IPv4.
    pub ipv4: bool,
    /// Some range is all of IPv6.
    pub ipv6: bool,
    /// Some range is a broad public IPv4 range.
    pub public_ipv4: bool,
    /// Some range is a broad public IPv6 range.
    pub public_ipv6: bool,
}

/// The internet exposure of `cidrs` (a rule's CIDR, or every entry of its
/// managed prefix list); `Err` carries the first text that does not parse.
pub fn internet_exposure<'a>(
    cidrs: impl IntoIterator<Item = &'a str>,
) -> Result<InternetExposure, &'a str> {
    let mut out = InternetExposure::default();
    for text in cidrs {
        let c = Cidr::parse(text).ok_or(text)?;
        let (whole, public) = if c.v6 {
            (&mut out.ipv6, &mut out.public_ipv6)
        } else {
            (&mut out.ipv4, &mut out.public_ipv4)
        };
        *whole |= c.prefix == 0;
        *public |= c.is_broad_public();
    }
    Ok(out)
}

/// Prefix length of a CIDR text, -1 when absent or unparsable.
pub fn prefix_length(cidr: Option<&str>) -> i64 {
    cidr.and_then(Cidr::parse)
        .map_or(-1, |c| i64::from(c.prefix_len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).expect("cidr")
    }

    #[test]
    fn containment() {
        assert!(c("0.0.0.0/0").contains(&c("10.1.2.0/24")));
        assert!(c("10.0.0.0/8").contains(&c("10.1.2.0/24")));
        assert!(!c("10.1.2.0/24").contains(&c("10.0.0.0/8")));
        assert!(!c("0.0.0.0/0").contains(&c("::/0")));
        assert!(c("::/0").contains(&c("2001:db8::/32")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
    }

    #[test]
    fn internet_exposure_of_ranges() {
        let e = |v: &[&'static str]| internet_exposure(v.iter().copied());
        let none = InternetExposure::default();
        assert_eq!(e(&[]), Ok(none));
        assert_eq!(
            e(&["10.0.0.0/8", "0.0.0.0/0"]),
            Ok(InternetExposure { ipv4: true, ..none })
        );
        assert_eq!(
            e(&["fd00::/8", "::/0"]),
            Ok(InternetExposure { ipv6: true, ..none })
        );
        // 0.0.0.0/1 is not a /0 block: a broad public range.
        assert_eq!(
            e(&["0.0.0.0/1"]),
            Ok(InternetExposure {
                public_ipv4: true,
                ..none
            })
        );
        assert_eq!(
            e(&["192.168.0.0/16", "52.0.0.0/8", "2001:db8::/32"]),
            Ok(InternetExposure {
                public_ipv4: true,
                public_ipv6: true,
                ..none
            })
        );
        assert_eq!(e(&["10.0.0.0/8", "bad"]), Err("bad"));
    }

    #[test]
    fn broad_public_ranges() {
        assert!(c("52.0.0.0/8").is_broad_public());
        assert!(c("52.95.0.0/16").is_broad_public());
        assert!(!c("52.95.1.0/24").is_broad_public(), "narrow");
        assert!(!c("0.0.0.0/0").is_broad_public(), "the whole internet");
        assert!(!c("10.0.0.0/8").is_broad_public());
        assert!(!c("172.16.0.0/12").is_broad_public());
        assert!(!c("100.64.0.0/10").is_broad_public());
        assert!(c("2001:db8::/32").is_broad_public());
        assert!(!c("2001:db8::/48").is_broad_public());
        assert!(!c("fd00::/8").is_broad_public());
        assert!(!c("::/0").is_broad_public());
    }

    #[test]
    fn ranges() {
        assert_eq!(c("10.0.0.0/8").range(), (0x0a00_0000, 0x0aff_ffff));
        assert_eq!(c("10.1.2.3/8").range(), (0x0a00_0000, 0x0aff_ffff));
        assert_eq!(c("0.0.0.0/0").range(), (0, 0xffff_ffff));
        assert_eq!(c("::/0").range(), (0, u128::MAX));
        assert!(c("::/0").is_v6() && !c("1.2.3.4").is_v6());
    }

    #[test]
    fn host_routes_and_prefix_lengths() {
        assert_eq!(c("10.1.2.3"), c("10.1.2.3/32"));
        assert_eq!(c("2001:db8::1").prefix_len(), 128);
        assert!(c("10.1.2.3").contains(&c("10.1.2.3/32")));
        assert_eq!(prefix_length(Some("10.0.0.0/16")), 16);
        assert_eq!(prefix_length(Some("bad")), -1);
        assert_eq!(prefix_length(None), -1);
    }
}
