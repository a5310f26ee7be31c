//! Byte offsets → 1-based line:col in one incremental pass over the text.
//!
//! Offsets usually arrive in increasing order (resources are visited in file
//! order), so each call only scans the text between the previous offset and
//! this one. A smaller offset restarts from the beginning, which is correct,
//! just slower.

use serde_json::value::RawValue;

pub(crate) struct Cursor<'t> {
    text: &'t str,
    offset: usize,
    line: u32,
    /// Characters between the start of the line and `offset`.
    col: u32,
}

impl<'t> Cursor<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Cursor { text, offset: 0, line: 1, col: 0 }
    }

    /// The byte offset of a slice of the text (a `RawValue` borrowed from it).
    pub(crate) fn offset_of(&self, raw: &RawValue) -> usize {
        let s = raw.get();
        let off = (s.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        debug_assert!(off <= self.text.len(), "the raw value borrows from the text");
        off.min(self.text.len())
    }

    /// Line and column (in characters) of byte `offset`.
    pub(crate) fn line_col(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Cursor::new(self.text);
        }
        let bytes = &self.text.as_bytes()[self.offset..offset];
        // Count characters, not bytes: UTF-8 continuation bytes are 0b10xxxxxx.
        let chars = |b: &[u8]| b.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32;
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u32;
                self.col = chars(&bytes[last + 1..]);
            }
            None => self.col += chars(bytes),
        }
        self.offset = offset;
        (self.line, self.col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_positions_match_a_rescan() {
        let text = "{\n  \"é\": [1,\n 2],\n\n  \"x\": {}\n}";
        let mut c = Cursor::new(text);
        let mut offsets: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
        offsets.extend([3, 0, text.len()]);
        for off in offsets {
            let at = crate::Located::at(text, off, 0);
            assert_eq!(c.line_col(off), (at.line, at.col), "offset {off}");
        }
    }
}
