//! Which writing systems a text uses. Most scripts name their language outright (Hangul
//! is Korean, kana is Japanese), so the detector asks this first and leaves only Latin
//! text, and the rare doubt within a script, to the statistical model.

/// The writing systems the detector tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Script {
    Latin,
    Han,
    Kana,
    Hangul,
    Arabic,
    Thai,
    Devanagari,
    Cyrillic,
    Other,
}

/// Letters of each script in a text, weighted: one Han character, kana or Hangul syllable
/// carries about what a three-letter stretch of an alphabet does, so a message that
/// mixes `我的订单` with a Latin product name counts as Chinese.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptCounts {
    counts: [(u32, u32); SCRIPT_COUNT],
}

const SCRIPT_COUNT: usize = 9;
const SYLLABIC_WEIGHT: u32 = 3;

impl Script {
    /// The script of a letter (callers pass only `char::is_alphabetic` characters).
    pub(crate) fn of(letter: char) -> Script {
        match letter as u32 {
            0x0041..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => Script::Han,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
            0x0E00..=0x0E7F => Script::Thai,
            0x0900..=0x097F => Script::Devanagari,
            0x0400..=0x052F => Script::Cyrillic,
            _ => Script::Other,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn weight(self) -> u32 {
        match self {
            Script::Han | Script::Kana | Script::Hangul => SYLLABIC_WEIGHT,
            _ => 1,
        }
    }

    const ALL: [Script; SCRIPT_COUNT] = [
        Script::Latin,
        Script::Han,
        Script::Kana,
        Script::Hangul,
        Script::Arabic,
        Script::Thai,
        Script::Devanagari,
        Script::Cyrillic,
        Script::Other,
    ];
}

impl ScriptCounts {
    /// Counts the letters of `text`; digits, punctuation, symbols and emoji count for
    /// nothing.
    pub(crate) fn of(text: &str) -> ScriptCounts {
        let mut counts = ScriptCounts::default();
        for letter in text.chars().filter(|character| character.is_alphabetic()) {
            let script = Script::of(letter);
            let slot = &mut counts.counts[script.index()];
            slot.0 += 1;
            slot.1 += script.weight();
        }
        counts
    }

    /// How many letters of `script` the text has (unweighted).
    pub(crate) fn letters(&self, script: Script) -> u32 {
        self.counts[script.index()].0
    }

    /// The weighted total over all scripts.
    pub(crate) fn weighted_total(&self) -> u32 {
        self.counts.iter().map(|(_, weighted)| weighted).sum()
    }

    /// The script with the most weight, with that weight; `None` for a text without
    /// letters. Han and kana count together, as Japanese writes with both.
    pub(crate) fn dominant(&self) -> Option<(Script, u32)> {
        let weighted = |script: Script| self.counts[script.index()].1;
        Script::ALL
            .into_iter()
            .filter(|script| *script != Script::Kana)
            .map(|script| match script {
                Script::Han => (script, weighted(Script::Han) + weighted(Script::Kana)),
                _ => (script, weighted(script)),
            })
            .filter(|(_, weight)| *weight > 0)
            .max_by_key(|(_, weight)| *weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_fall_into_their_scripts() {
        assert_eq!(Script::of('a'), Script::Latin);
        assert_eq!(Script::of('ñ'), Script::Latin);
        assert_eq!(Script::of('ệ'), Script::Latin);
        assert_eq!(Script::of('订'), Script::Han);
        assert_eq!(Script::of('の'), Script::Kana);
        assert_eq!(Script::of('カ'), Script::Kana);
        assert_eq!(Script::of('한'), Script::Hangul);
        assert_eq!(Script::of('ب'), Script::Arabic);
        assert_eq!(Script::of('ก'), Script::Thai);
        assert_eq!(Script::of('न'), Script::Devanagari);
        assert_eq!(Script::of('ж'), Script::Cyrillic);
        assert_eq!(Script::of('α'), Script::Other);
    }

    #[test]
    fn han_outweighs_a_latin_product_name() {
        let counts = ScriptCounts::of("我的订单 iPhone 到了吗");
        assert_eq!(counts.dominant().map(|(script, _)| script), Some(Script::Han));
        assert_eq!(counts.letters(Script::Latin), 6);
    }

    #[test]
    fn kana_and_han_count_together() {
        let counts = ScriptCounts::of("返金をお願いします");
        assert_eq!(counts.dominant().map(|(script, _)| script), Some(Script::Han));
        assert!(counts.letters(Script::Kana) > 0);
    }

    #[test]
    fn digits_emoji_and_punctuation_are_not_letters() {
        let counts = ScriptCounts::of("1001 👍 ?! ٣٤ #A-");
        assert_eq!(counts.dominant(), Some((Script::Latin, 1)));
        assert_eq!(ScriptCounts::of("1001 👍 ?!").dominant(), None);
    }
}
