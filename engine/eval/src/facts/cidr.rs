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

    /// True when every address of `other` is in `self` (same family).
    pub fn contains(&self, other: &Cidr) -> bool {
        self.v6 == other.v6
            && self.prefix <= other.prefix
            && (self.addr & self.mask()) == (other.addr & self.mask())
    }
}

/// The address families that a set of peer ranges opens to the whole
/// internet (a `/0` block: `0.0.0.0/0`, `::/0`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InternetExposure {
    /// Some range is all of IPv4.
    pub ipv4: bool,
    /// Some range is all of IPv6.
    pub ipv6: bool,
}

/// The internet exposure of `cidrs` (a rule's CIDR, or every entry of its
/// managed prefix list); `Err` carries the first text that does not parse.
pub fn internet_exposure<'a>(
    cidrs: impl IntoIterator<Item = &'a str>,
) -> Result<InternetExposure, &'a str> {
    let mut out = InternetExposure::default();
    for text in cidrs {
        let c = Cidr::parse(text).ok_or(text)?;
        if c.prefix == 0 {
            if c.v6 {
                out.ipv6 = true;
            } else {
                out.ipv4 = true;
            }
        }
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
        assert_eq!(e(&[]), Ok(InternetExposure::default()));
        assert_eq!(
            e(&["10.0.0.0/8", "0.0.0.0/0"]),
            Ok(InternetExposure {
                ipv4: true,
                ipv6: false
            })
        );
        assert_eq!(
            e(&["2001:db8::/32", "::/0"]),
            Ok(InternetExposure {
                ipv4: false,
                ipv6: true
            })
        );
        // 0.0.0.0/1 + 128.0.0.0/1 is not one /0 block; broad public ranges
        // are judged by the public-range rules.
        assert_eq!(e(&["0.0.0.0/1"]), Ok(InternetExposure::default()));
        assert_eq!(e(&["10.0.0.0/8", "bad"]), Err("bad"));
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
