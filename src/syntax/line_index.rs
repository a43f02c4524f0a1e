/// Byte offsets of line starts, so that any offset maps to a 1-based line:column in O(log n).
#[derive(Clone, Debug)]
pub(crate) struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        if text.contains('\r') {
            // Nix counts a lone `\r` as a line break too, as old Mac files have them.
            let b = text.as_bytes();
            let breaks =
                (0..b.len()).filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')));
            starts.extend(breaks.map(|i| i as u32 + 1));
        } else {
            starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        }
        LineIndex { starts }
    }

    /// The byte offset of a 1-based line and a 1-based column counted in bytes, as Nix's
    /// own positions count them; `None` past the text.
    pub(crate) fn offset_of(&self, text: &str, line: u32, column: u32) -> Option<u32> {
        let start = *self.starts.get((line as usize).checked_sub(1)?)?;
        let offset = start.checked_add(column.checked_sub(1)?)?;
        (offset as usize <= text.len() && text.is_char_boundary(offset as usize)).then_some(offset)
    }

    /// 1-based line and 1-based column, counting columns in characters as editors do.
    pub(crate) fn line_col_in(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = offset.min(text.len() as u32);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line] as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[start..end].chars().count() as u32 + 1;
        (line as u32 + 1, col)
    }

    /// The byte range of the lines from the one holding `start` to the one holding `end`,
    /// without the last line's newline, and the first line's number.
    pub(crate) fn lines_around(&self, text: &str, start: u32, end: u32) -> (std::ops::Range<usize>, usize) {
        let line_of = |o: u32| self.starts.partition_point(|&s| s <= o.min(text.len() as u32)) - 1;
        let (first, last) = (line_of(start), line_of(end.max(start)));
        let from = self.starts[first] as usize;
        let to = self.starts.get(last + 1).map_or(text.len(), |&e| e as usize);
        let to = from + text[from..to].trim_end_matches(['\n', '\r']).len();
        (from..to, first + 1)
    }

    /// A cursor that gives line:column for offsets in ascending order in time linear in the
    /// text, where `line_col_in` would count a long line's characters again for each one.
    pub(crate) fn cursor<'a>(&'a self, text: &'a str) -> Cursor<'a> {
        Cursor { index: self, text, line: 0, at: 0, col: 1 }
    }

    pub(crate) fn line_text<'a>(&self, text: &'a str, line: u32) -> &'a str {
        let i = (line as usize).saturating_sub(1).min(self.starts.len() - 1);
        let start = self.starts[i] as usize;
        let end = self.starts.get(i + 1).map_or(text.len(), |&e| e as usize);
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// See `LineIndex::cursor`.
pub(crate) struct Cursor<'a> {
    index: &'a LineIndex,
    text: &'a str,
    /// 0-based line of `at`, the last offset asked for, and its 1-based column.
    line: usize,
    at: usize,
    col: u32,
}

impl Cursor<'_> {
    /// 1-based line and character column of `offset`; offsets before the last one asked for
    /// are answered too, from their line's start.
    pub(crate) fn line_col(&mut self, offset: u32) -> (u32, u32) {
        let starts = &self.index.starts;
        let mut offset = offset.min(self.text.len() as u32) as usize;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let next_line = starts.get(self.line + 1).map_or(usize::MAX, |&s| s as usize);
        if offset < self.at || offset >= next_line {
            self.line = starts.partition_point(|&s| s as usize <= offset) - 1;
            self.at = starts[self.line] as usize;
            self.col = 1;
        }
        self.col += self.text[self.at..offset].chars().count() as u32;
        self.at = offset;
        (self.line as u32 + 1, self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines_and_char_columns() {
        let text = "a\né = 1;\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col_in(text, 0), (1, 1));
        assert_eq!(idx.line_col_in(text, 2), (2, 1));
        // 'é' is two bytes: the '=' after it is the third character.
        assert_eq!(idx.line_col_in(text, 5), (2, 3));
        assert_eq!(idx.line_col_in(text, 11), (4, 1));
        assert_eq!(idx.line_text(text, 2), "é = 1;");
        assert_eq!(idx.starts.len(), 4);
        let mut cursor = idx.cursor(text);
        for offset in [0, 2, 3, 5, 5, 11, 2] {
            assert_eq!(cursor.line_col(offset), idx.line_col_in(text, offset), "{offset}");
        }
    }

    #[test]
    fn a_lone_carriage_return_breaks_a_line_as_in_nix() {
        let text = "a\rb\r\nc\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col_in(text, 2), (2, 1));
        assert_eq!(idx.line_col_in(text, 5), (3, 1));
        assert_eq!(idx.line_col_in(text, 7), (4, 1));
    }
}
