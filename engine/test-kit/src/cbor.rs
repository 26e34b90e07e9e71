//! A minimal CBOR encoder for recorded answers of services that speak Smithy
//! RPC v2 CBOR (CloudWatch): maps with text keys, arrays, text strings and
//! booleans, which is what those answers need.

/// A CBOR value.
#[derive(Debug, Clone)]
pub enum Cbor {
    /// A map with text keys, in the given order.
    Map(Vec<(&'static str, Cbor)>),
    /// An array.
    Array(Vec<Cbor>),
    /// A text string.
    Text(String),
    /// A boolean.
    Bool(bool),
}

impl Cbor {
    /// The value's encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Map(kv) => {
                head(out, 5, kv.len());
                for (k, v) in kv {
                    Cbor::Text((*k).to_owned()).write(out);
                    v.write(out);
                }
            }
            Cbor::Array(items) => {
                head(out, 4, items.len());
                items.iter().for_each(|i| i.write(out));
            }
            Cbor::Text(s) => {
                head(out, 3, s.len());
                out.extend(s.as_bytes());
            }
            Cbor::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        }
    }
}

/// The head of an item of `major` type and length `len` (up to 65,535).
fn head(out: &mut Vec<u8>, major: u8, len: usize) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=255 => out.extend([m | 24, len as u8]),
        _ => {
            let len = u16::try_from(len).expect("a recorded CBOR item under 65,536 long");
            out.push(m | 25);
            out.extend(len.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_values_recorded_answers_use() {
        let v = Cbor::Map(vec![
            ("a", Cbor::Array(vec![Cbor::Bool(true), Cbor::Bool(false)])),
            ("b", Cbor::Text("x".repeat(24))),
        ]);
        let mut want = vec![0xa2, 0x61, b'a', 0x82, 0xf5, 0xf4, 0x61, b'b', 0x78, 24];
        want.extend("x".repeat(24).bytes());
        assert_eq!(v.encode(), want);
        assert_eq!(
            &Cbor::Text("y".repeat(300)).encode()[..3],
            [0x79, 0x01, 0x2c]
        );
    }
}
