//! A small embedded lexicon of the words buyers use most in chat, per language. The
//! trigram model needs a sentence to be sure; a chat message is often one to four
//! words ("hola", "oi", "terima kasih", "where is my order?"), and for those the
//! words themselves decide. A word common to several languages (`que`, `para`, `no`)
//! is listed under each, so it favours none of them.
//!
//! The lists are folded like the words they meet (lower case, no accents: `nao`,
//! `donde`), and hold everyday chat words, not the words of any test message.

use crate::Language;
use crate::words::fold;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Words that belong to every language in chat (`ok`, `lol`, `haha`): they count for
/// none. A message of only these is ambiguous and keeps the conversation's language.
const UNIVERSAL: &str = "\
    ok okay okey oke oki k kk lol haha hahaha hehe hihi xd xx xo wow omg pls plz hmm hm ah oh eh uh mm wa bye \
    app email online shopee paypal whatsapp dhl ups fedex iphone";

const ENGLISH: &str = "\
    hi hello hey thanks thank thx ty you your my me i i'm im i've i'd is are was were be been the an and or but \
    to of for in on at with from this that it it's what where when why how who which can could would should will \
    do does did don't doesn't didn't haven't hasn't isn't can't won't not no yes yeah yep nope please order \
    orders package parcel received receive arrived arrive yet still refund money payment paid pay card shipping \
    ship shipped delivery delivered tracking track number help need want talk speak human agent person someone \
    cancel return change address wrong size item items damaged broken good morning afternoon evening night great \
    much so any update there here have has had get got just already days day week weeks sorry we they our us if \
    some nothing anything back long take work doesn sent send box only one two possible before after like know \
    let asap too very cheers waiting";

const CHINESE_LATIN: &str = "nihao xiexie";

const SPANISH: &str = "\
    hola gracias buenas buenos buen dias tardes noches por favor donde esta estan mi mis pedido pedidos paquete \
    llega llego llegado llegar todavia aun no si y quiero necesito ayuda ayudar puedo puede pueden como cuando \
    cuanto cuanta que el la los las un una unos unas es son del al con para pero muy mucho muchas muchos dinero \
    reembolso pago tarjeta envio enviar enviado direccion cambiar devolver devolucion producto roto rota talla \
    hablar persona agente cancelar compra ya nada tengo tiene hace semana semanas dos hoy ayer manana bien vale \
    claro perfecto saludos usted ustedes le lo se hay estoy soy fue han he numero seguimiento recibi recibido me \
    te nos yo tu su sus tambien porque ahora aqui alguien oye oiga listo vez rechazado rechazada cobro cobraron \
    factura tienda envian mande quisiera en de esto eso este ese tienen tienes respuesta gusta cual hacer sigo";

const PORTUGUESE: &str = "\
    oi ola obrigado obrigada brigado valeu bom boa dia tarde noite por favor onde esta estao meu minha meus \
    minhas pedido pedidos pacote chegou chega chegar ainda nao sim quero preciso ajuda ajudar posso pode podem \
    como quando quanto que os um uma uns umas sao do da dos das no na nos nas com para pra mas muito muita \
    muitos dinheiro reembolso pagamento cartao entrega enviar enviado endereco mudar trocar devolver devolucao \
    produto quebrado quebrada tamanho falar atendente pessoa cancelar compra ja nada tenho tem faz semana \
    semanas duas dois hoje ontem amanha bem beleza claro perfeito voce voces vc cade recebi recebido rastreio \
    codigo transportadora demora isso esse essa aqui frete eu ele ela seu sua tambem porque agora alguem vou vai \
    foi recusado recusada cobranca loja mim fazer faco volta de ate gostaria em resposta isto qual sigo";

const INDONESIAN: &str = "\
    halo hai kak kakak gan min sis terima kasih makasih trims pesanan saya aku di mana dimana kapan kenapa \
    gimana bagaimana berapa apa apakah ada belum sudah udah sampai sampe datang dikirim kirim pengiriman paket \
    barang barangnya resi ongkir ongkirnya bayar pembayaran gagal uang dana mau ingin bisa tidak nggak gak \
    enggak ga tolong bantu bantuan butuh selamat pagi siang sore malam ya iya dong sih kok nih ini itu yang dan \
    atau dengan untuk dari ke sama juga lagi masih tapi karena kalau kalo cara batal batalkan batalin ukuran \
    ukurannya rusak alamat ubah diubah ganti minggu hari bulan baru banyak sekali banget mohon maaf bicara siap \
    dikembalikan kembali nomor lacak dilacak toko harga boleh beli dibayar kurir mengembalikan mengembalikannya \
    kekecilan kebesaran deh aja saja tanya mas mbak bang";

/// Malay: the words it shares with Indonesian (so a shared sentence ties, and the tie
/// goes to Indonesian, the spoken one) and the words only Malay uses in chat, which
/// decide (`nak`, `tak`, `awak`, `kedai`, `penghantaran`).
const MALAY: &str = "\
    terima kasih saya aku di mana kenapa bagaimana berapa apa ada belum sudah sampai barang bayar tolong selamat \
    pagi malam ya ini itu yang dan atau dengan untuk dari ke juga lagi masih alamat boleh banyak membantu \
    pesanan minggu hari nak tak awak kedai bila sahaja je mahu hendak percuma penghantaran bayaran wang kerana \
    betul encik cik dah tu ni macam tukar sangat tetapi lah kat pun dapat sikit sekejap camne diproses buat";

const FRENCH: &str = "\
    bonjour salut merci beaucoup ou est ma mon mes commande colis je j tu vous nous il elle pas toujours recu \
    produit arrive casse remboursement adresse livraison changer peux pouvez voudrais veux aide besoin avec pour \
    dans sur le la les une des du au aux et mais oui non tres bien bonsoir quand combien c'est qu est-ce n'ai n \
    ai ce cette que qui l d s'il plait svp rien encore de en";

const GERMAN: &str = "\
    hallo danke bitte wo ist mein meine meinen bestellung paket noch nicht ich du sie wir habe hat haben \
    bekommen ware kann konnen geld zuruck lieferung lieferadresse andern und oder aber ja nein gut guten tag \
    morgen abend wann warum wie der die das den dem ein eine einen mit fur auf zu von schon sehr kaputt \
    erstattung mochte beschadigt angekommen immer";

const ITALIAN: &str = "\
    ciao grazie buongiorno buonasera dove il mio mia ordine pacco ancora non ho ricevuto rimborso vorrei posso \
    sono per con che come quando quanto anche molto bene si mille arrivato spedizione indirizzo gli della di";

const DUTCH: &str = "\
    hallo hoi dank bedankt waar is mijn bestelling pakket nog niet ik heb ontvangen geld terug kan wil graag het \
    een en van voor met wanneer alstublieft goedemorgen je jullie de";

const TURKISH: &str = "\
    merhaba tesekkurler tesekkur ederim siparisim siparis nerede kargo iade para yok var ne zaman neden nasil \
    bir ve bu evet hayir lutfen gelmedi";

const VIETNAMESE: &str = "xin chao cam cua toi khong duoc hang dau bao gio tien nhieu vay";

/// The lists, with the language each belongs to.
const LISTS: &[(Language, &str)] = &[
    (Language::English, ENGLISH),
    (Language::Chinese, CHINESE_LATIN),
    (Language::Spanish, SPANISH),
    (Language::Portuguese, PORTUGUESE),
    (Language::Indonesian, INDONESIAN),
    (Language::Malay, MALAY),
    (Language::French, FRENCH),
    (Language::German, GERMAN),
    (Language::Italian, ITALIAN),
    (Language::Dutch, DUTCH),
    (Language::Turkish, TURKISH),
    (Language::Vietnamese, VIETNAMESE),
];

/// Letters only one or two languages write, each worth one word of evidence (once per
/// message): `ñ ¿ ¡` are Spanish, `ã õ` Portuguese, `ç` Portuguese or French.
const MARKERS: &[(char, &[Language])] = &[
    ('ñ', &[Language::Spanish]),
    ('¿', &[Language::Spanish]),
    ('¡', &[Language::Spanish]),
    ('ã', &[Language::Portuguese]),
    ('õ', &[Language::Portuguese]),
    ('ç', &[Language::Portuguese, Language::French]),
    ('ß', &[Language::German]),
    ('ơ', &[Language::Vietnamese]),
    ('ư', &[Language::Vietnamese]),
];

static INDEX: LazyLock<HashMap<String, Vec<Language>>> = LazyLock::new(|| {
    let mut index: HashMap<String, Vec<Language>> = HashMap::new();
    for (language, list) in LISTS {
        for word in list.split_whitespace() {
            let languages = index.entry(fold(word)).or_default();
            if !languages.contains(language) {
                languages.push(*language);
            }
        }
    }
    for word in UNIVERSAL.split_whitespace() {
        index.remove(&fold(word));
    }
    index
});

/// What the lexicon makes of a message: hits per language and how many of its words it
/// knew.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LexiconScores {
    hits: Vec<(Language, u32)>,
    /// Words that are in at least one list.
    pub(crate) known_words: u32,
    /// Words that count (all but the universal ones).
    pub(crate) counted_words: u32,
}

impl LexiconScores {
    /// Scores the folded `words` of a message and the marker letters of its `text`.
    pub(crate) fn of(words: &[String], text: &str) -> LexiconScores {
        let mut scores = LexiconScores::default();
        for word in words {
            if is_universal(word) {
                continue;
            }
            scores.counted_words += 1;
            let languages = INDEX.get(word.as_str()).map(Vec::as_slice).or_else(|| laugh_language(word));
            if let Some(languages) = languages {
                scores.known_words += 1;
                for language in languages {
                    scores.add(*language);
                }
            }
        }
        let lower = text.to_lowercase();
        for (marker, languages) in MARKERS {
            if lower.contains(*marker) {
                languages.iter().for_each(|language| scores.add(*language));
            }
        }
        scores
    }

    fn add(&mut self, language: Language) {
        match self.hits.iter_mut().find(|(known, _)| *known == language) {
            Some((_, count)) => *count += 1,
            None => self.hits.push((language, 1)),
        }
    }

    /// The hits of one language.
    pub(crate) fn of_language(&self, language: Language) -> u32 {
        self.hits.iter().find(|(known, _)| *known == language).map_or(0, |(_, count)| *count)
    }

    /// The highest score and the languages that share it (in `Language::ALL` order);
    /// `(0, [])` when no word was known.
    pub(crate) fn leaders(&self) -> (u32, Vec<Language>) {
        let top = self.hits.iter().map(|(_, count)| *count).max().unwrap_or(0);
        let mut leaders: Vec<Language> =
            self.hits.iter().filter(|(_, count)| top > 0 && *count == top).map(|(language, _)| *language).collect();
        leaders.sort();
        (top, leaders)
    }

    /// The best score among languages other than `language`.
    pub(crate) fn best_other_than(&self, language: Language) -> u32 {
        self.hits.iter().filter(|(known, _)| *known != language).map(|(_, count)| *count).max().unwrap_or(0)
    }
}

fn is_universal(word: &str) -> bool {
    UNIVERSAL.split_whitespace().any(|universal| universal == word) || is_repeated(word, &["ha", "he", "hi", "ah"])
}

/// Laughter is spelled per language: `jajaja` in Spanish, `kkkk` or `rsrs` in
/// Portuguese, `wkwk` in Indonesian.
fn laugh_language(word: &str) -> Option<&'static [Language]> {
    if word.len() >= 4 && is_repeated(word, &["ja", "je"]) {
        Some(&[Language::Spanish])
    } else if (word.len() >= 3 && word.chars().all(|letter| letter == 'k')) || is_repeated(word, &["rs"]) {
        Some(&[Language::Portuguese])
    } else if word.len() >= 4 && is_repeated(word, &["wk"]) {
        Some(&[Language::Indonesian])
    } else {
        None
    }
}

/// Whether `word` is one of `syllables` repeated (at least twice, a trailing half
/// allowed: `hahah`).
fn is_repeated(word: &str, syllables: &[&str]) -> bool {
    syllables.iter().any(|syllable| {
        let length = syllable.len();
        word.len() >= 2 * length && word.as_bytes().chunks(length).all(|chunk| syllable.as_bytes().starts_with(chunk))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::words;

    fn leaders(text: &str) -> (u32, Vec<Language>) {
        LexiconScores::of(&words(text), text).leaders()
    }

    #[test]
    fn short_chat_words_name_their_language() {
        assert_eq!(leaders("hola"), (1, vec![Language::Spanish]));
        assert_eq!(leaders("oi"), (1, vec![Language::Portuguese]));
        assert_eq!(leaders("where is my order?").1, vec![Language::English]);
        assert_eq!(leaders("obrigado!!").1, vec![Language::Portuguese]);
        assert_eq!(leaders("makasih kak").1, vec![Language::Indonesian]);
    }

    #[test]
    fn shared_words_tie_and_distinct_words_decide() {
        assert_eq!(leaders("terima kasih").1, vec![Language::Indonesian, Language::Malay]);
        assert_eq!(leaders("terima kasih, awak").1, vec![Language::Malay]);
        assert_eq!(leaders("por favor").1, vec![Language::Spanish, Language::Portuguese]);
        assert_eq!(leaders("não, por favor").1, vec![Language::Portuguese]);
        assert_eq!(leaders("¿por favor?").1, vec![Language::Spanish]);
    }

    #[test]
    fn universal_words_and_laughter() {
        assert_eq!(leaders("ok lol hahaha"), (0, vec![]));
        assert_eq!(LexiconScores::of(&words("ok lol"), "ok lol").counted_words, 0);
        assert_eq!(leaders("jajaja").1, vec![Language::Spanish]);
        assert_eq!(leaders("kkkkk").1, vec![Language::Portuguese]);
        assert_eq!(leaders("wkwkwk").1, vec![Language::Indonesian]);
        assert!(is_repeated("hahah", &["ha"]));
        assert!(!is_repeated("hat", &["ha"]));
    }

    #[test]
    fn every_listed_word_is_folded_and_listed_once() {
        for (language, list) in LISTS {
            let words: Vec<&str> = list.split_whitespace().collect();
            for (position, word) in words.iter().enumerate() {
                assert_eq!(fold(word), *word, "{language}: `{word}` is not folded");
                assert!(!words[..position].contains(word), "{language}: `{word}` is listed twice");
            }
        }
    }
}
