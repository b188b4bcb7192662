//! A one-line text field: cursor movement, insertion, deletion and paste, by characters.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    chars: Vec<char>,
    /// Index in `chars` the next character goes before.
    cursor: usize,
}

impl TextInput {
    pub fn with_text(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        Self {
            cursor: chars.len(),
            chars,
        }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn insert(&mut self, c: char) {
        self.chars.insert(self.cursor, c);
        self.cursor += 1;
    }

    /// Pasted text arrives in one piece; line breaks become spaces, since every field is one line.
    pub fn paste(&mut self, text: &str) {
        let text = text.trim_end_matches(['\n', '\r']);
        for c in text.chars() {
            self.insert(if c == '\n' || c == '\r' { ' ' } else { c });
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// Deletes from the cursor back to the start of the line, as shells do with Ctrl-U.
    pub fn clear_before_cursor(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_in_the_middle_inserts_at_the_cursor() {
        let mut input = TextInput::with_text("acme");
        input.home();
        input.right();
        input.insert('X');
        assert_eq!(input.text(), "aXcme");
        assert_eq!(input.cursor(), 2);
    }

    #[test]
    fn backspace_and_delete_remove_either_side_of_the_cursor() {
        let mut input = TextInput::with_text("héllo");
        input.left();
        input.backspace();
        assert_eq!(input.text(), "hélo");
        input.delete();
        assert_eq!(input.text(), "hél");
        input.home();
        input.backspace();
        assert_eq!(input.text(), "hél");
    }

    #[test]
    fn pasted_lines_become_one_line() {
        let mut input = TextInput::default();
        input.paste("/tmp/a\nb\n");
        assert_eq!(input.text(), "/tmp/a b");
    }

    #[test]
    fn ctrl_u_clears_what_is_before_the_cursor() {
        let mut input = TextInput::with_text("abc/def");
        input.left();
        input.left();
        input.left();
        input.clear_before_cursor();
        assert_eq!((input.text().as_str(), input.cursor()), ("def", 0));
    }
}
