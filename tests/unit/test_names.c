/*
 * Tests for the analysis half of engine/names: pw_name_analyse, pw_names_latin,
 * and pw_names_skeleton.
 *
 * Where each expected value comes from is said next to it:
 *  - "ICAO": ICAO Doc 9303 Part 3, the tables "Transliteration of multinational
 *    Latin-based characters" and "Transliteration of Cyrillic characters";
 *  - "ICU": ICU 72's own output, as observed (uconv -x 'Any-Latin' gives the same),
 *    after paxwatch's fold to capitals (diacritics and ICU's apostrophes dropped,
 *    ʿayn written A, Arabic ة written as a vowel);
 *  - "BGN": ICU's Russian-Latin/BGN or Ukrainian-Latin/BGN (the plain form of Cyrillic);
 *  - "UNGEGN": ICU's Greek-Latin/UNGEGN (ELOT 743, the text form of Greek);
 *  - "Unicode": NFKC and case folding as Unicode defines them; "UTS #39": ICU's
 *    confusable skeletons;
 *  - "UN list": /work/shared/data/watchlists/un/UN_consolidated.xml, an entry's
 *    NAME_ORIGINAL_SCRIPT and its Latin FIRST_NAME..FOURTH_NAME;
 *  - "rule": a paxwatch rule documented in engine/names/analyse.c or skeleton.c.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "names/names.h"

static pw_names_scratch *scratch;
static pw_arena *arena;
static pw_name nm;

static void setup(void)
{
    arena = pw_arena_new(0);
    scratch = pw_names_scratch_new();
    cr_assert_not_null(scratch, "the ICU transliterators open");
}
static void teardown(void)
{
    pw_names_scratch_free(scratch);
    pw_arena_free(arena);
}

TestSuite(names, .init = setup, .fini = teardown);

/* Analyses a whole name; fails the test on an error. */
static const pw_name *analyse(const char *full)
{
    cr_assert_eq(pw_name_analyse(scratch, full, NULL, NULL, &nm), 0, "analyse %s", full);
    return &nm;
}

static const pw_name *analyse_parts(const char *surname, const char *given)
{
    cr_assert_eq(pw_name_analyse(scratch, NULL, surname, given, &nm), 0);
    return &nm;
}

/* The token whose text is text, or NULL. */
static const pw_name_token *token(const pw_name *n, const char *text)
{
    for (int i = 0; i < n->n_tokens; i++)
        if (strcmp(n->tokens[i].text, text) == 0)
            return &n->tokens[i];
    return NULL;
}

/* The words' texts joined by spaces (joined variants left out). */
static const char *words(const pw_name *n)
{
    static char buf[1024];
    size_t w = 0;
    buf[0] = '\0';
    for (int i = 0; i < n->n_words; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s", i ? " " : "", n->tokens[i].text);
    return buf;
}

static const char *latin(const char *text)
{
    static char buf[512];
    cr_assert_eq(pw_names_latin(scratch, text, buf, sizeof buf), 0);
    return buf;
}

/* The skeleton of text, in one of four rotating buffers (two calls in one assertion
 * must not share one). */
static const char *skel(const char *text)
{
    static char buf[4][PW_NAME_TOKEN_MAX];
    static int next;
    char *b = buf[next++ % 4];
    pw_names_skeleton(text, b);
    return b;
}

/* ---- pw_names_latin: the folded Latin form for display ---------------------------- */

static const char *latin_of(const char *text)
{
    static char buf[256];
    cr_assert_eq(pw_names_latin(scratch, text, buf, sizeof buf), 0);
    return buf;
}

Test(names, latin_form_folds_case_accents_and_punctuation)
{
    /* ICAO Doc 9303 for Ü; NFKC for full-width letters; CaseFolding.txt for ß */
    cr_assert_str_eq(latin_of("Müller-Lüdenscheidt, José"), "MUELLER LUEDENSCHEIDT JOSE");
    cr_assert_str_eq(latin_of("  o'neil   "), "O NEIL");
    cr_assert_str_eq(latin_of("Straße"), "STRASSE");
    cr_assert_str_eq(latin_of("ＡＢＣ"), "ABC");
    cr_assert_str_eq(latin_of(""), "");
}

Test(names, latin_form_transliterates_other_scripts)
{
    /* ICAO for Cyrillic; ICU's consonant-only romanisation for Arabic, article glued */
    cr_assert_str_eq(latin_of("Владимир Путин"), "VLADIMIR PUTIN");
    cr_assert_str_eq(latin_of("صدام حسين"), "SDAM HSYN");
    cr_assert_str_eq(latin_of("التكريتي"), "ALTKRYTY");
}

Test(names, latin_form_treats_invalid_utf8_as_a_boundary)
{
    cr_assert_str_eq(latin_of("AB\xff"
                              "CD"),
                     "AB CD");
}

/* ---- ICAO Doc 9303: multinational Latin characters ---------------------------- */

/* A table case: a letter, its text form and its plain form ("" is not checked). Plain
 * loops rather than Criterion's parameterized tests: those are not registered when
 * the tests are built with link-time optimisation. */
struct icao_case {
    const char *in, *text, *plain;
};

Test(names, icao_latin_letters)
{
    /* ICAO for text; plain is Unicode's decomposition without marks or, for the
     * letters Unicode does not decompose, ICU's Latin-ASCII */
    static const struct icao_case cases[] = {
        {"Ä", "AE", "A"},  {"ä", "AE", "A"},  {"Ö", "OE", "O"},  {"ö", "OE", "O"},
        {"Ø", "OE", "O"},  {"ø", "OE", "O"},  {"Ü", "UE", "U"},  {"ü", "UE", "U"},
        {"Å", "AA", "A"},  {"å", "AA", "A"},  {"ß", "SS", "SS"}, {"ẞ", "SS", "SS"},
        {"Þ", "TH", "TH"}, {"þ", "TH", "TH"}, {"Æ", "AE", "AE"}, {"æ", "AE", "AE"},
        {"Œ", "OE", "OE"}, {"œ", "OE", "OE"}, {"Ĳ", "IJ", "IJ"}, {"ĳ", "IJ", "IJ"},
        {"Ñ", "N", "N"},   {"Ł", "L", "L"},   {"Đ", "D", "D"},   {"Ç", "C", "C"},
        {"É", "E", "E"},   {"Ş", "S", "S"},   {"ı", "I", "I"},   {"Ğ", "G", "G"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct icao_case *c = &cases[i];
        char in[32], want[16];
        snprintf(in, sizeof in, "X%sX", c->in); /* inside a word */
        const pw_name *n = analyse(in);
        cr_assert_eq(n->n_tokens, 1, "%s", c->in);
        snprintf(want, sizeof want, "X%sX", c->text);
        cr_expect_str_eq(n->tokens[0].text, want, "text of %s", c->in);
        snprintf(want, sizeof want, "X%sX", c->plain);
        cr_expect_str_eq(n->tokens[0].plain, want, "plain of %s", c->in);
        cr_expect_not(n->non_latin);
    }
}

Test(names, icao_german_name_text_and_plain)
{
    const pw_name *n = analyse("Müller-Lüdenscheidt, José");
    /* ICAO: Ü -> UE; plain: accents dropped */
    cr_assert_str_eq(words(n), "MUELLER LUEDENSCHEIDT JOSE");
    cr_assert_str_eq(n->tokens[0].plain, "MULLER");
    cr_assert_str_eq(n->tokens[1].plain, "LUDENSCHEIDT");
    cr_assert_str_eq(n->tokens[2].plain, "JOSE"); /* text and plain agree */
    const pw_name_token *j = token(n, "MUELLERLUEDENSCHEIDT");
    cr_assert_not_null(j, "hyphen-joined variant");
    cr_assert_str_eq(j->plain, "MULLERLUDENSCHEIDT");
}

Test(names, the_same_join_in_two_places_is_kept_for_each)
{
    /* rule (add_joined): a joined variant is dropped only where a token with its text
     * already covers its words: SA'ID, Sa'id joins SAID for the surname and again for
     * the given name, so that SAID SIAD (a swap in the given name) meets both */
    const pw_name *n = analyse_parts("SA'ID", "Sa'id");
    int joins = 0, at = 0;
    for (int i = n->n_words; i < n->n_tokens; i++)
        if (strcmp(n->tokens[i].text, "SAID") == 0) {
            cr_expect(n->tokens[i].flags & PW_TOKEN_JOINED);
            joins++;
            at |= 1 << n->tokens[i].word;
        }
    cr_assert_eq(joins, 2, "SAID joined %d times", joins);
    cr_assert_eq(at, (1 << 0) | (1 << 2), "SAID joined at words %x", at);
}

Test(names, decomposed_and_full_width_input_match_the_fast_path)
{
    /* Unicode: NFKC composes U + combining diaeresis into Ü, so ICAO applies */
    cr_assert_str_eq(words(analyse("Mu\xcc\x88ller")), "MUELLER");
    cr_assert_str_eq(nm.tokens[0].plain, "MULLER");
    cr_assert_str_eq(words(analyse("ＭＵＬＬＥＲ")), "MULLER"); /* NFKC: full width */
    cr_assert_str_eq(words(analyse("ﬁnn")), "FINN");            /* NFKC: ligature */
}

/* ---- ICAO Doc 9303: Cyrillic -------------------------------------------------- */

Test(names, icao_cyrillic_letters)
{
    /* ICAO (recommended column). Plain: BGN (Ukrainian rules when a Ukrainian-only
     * letter is present). */
    static const struct icao_case cases[] = {
        {"Ж", "ZH", "ZH"}, {"Х", "KH", "KH"},     {"Ц", "TS", "TS"}, {"Ч", "CH", "CH"},
        {"Ш", "SH", "SH"}, {"Щ", "SHCH", "SHCH"}, {"Ю", "IU", "YU"}, {"Я", "IA", "YA"},
        {"Й", "I", "Y"},   {"Ы", "Y", "Y"},       {"Э", "E", "E"},   {"Ё", "E", "E"},
        {"Є", "IE", "YE"}, {"Ї", "I", "YI"},      {"Ґ", "G", "G"},   {"І", "I", "I"},
        {"Ў", "U", ""},    {"Ђ", "D", ""},        {"Ѕ", "DZ", ""},   {"Ј", "J", ""},
        {"Љ", "LJ", ""},   {"Њ", "NJ", ""},       {"Џ", "DZ", ""},   {"Ѓ", "G", ""},
        {"Ќ", "K", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct icao_case *c = &cases[i];
        char in[32], want[32];
        snprintf(in, sizeof in, "Б%sБ", c->in); /* Б is B in every table */
        const pw_name *n = analyse(in);
        cr_assert_eq(n->n_tokens, 1, "%s", c->in);
        snprintf(want, sizeof want, "B%sB", c->text);
        cr_expect_str_eq(n->tokens[0].text, want, "ICAO text of %s", c->in);
        if (c->plain[0]) {
            snprintf(want, sizeof want, "B%sB", c->plain);
            cr_expect_str_eq(n->tokens[0].plain, want, "BGN plain of %s", c->in);
        }
        cr_expect(n->non_latin);
    }
}

Test(names, icao_cyrillic_signs)
{
    /* ICAO: Ъ -> IE, Ь has no row (dropped) */
    cr_assert_str_eq(words(analyse("Подъячев")), "PODIEIACHEV");
    cr_assert_str_eq(words(analyse("Игорь")), "IGOR");
    /* ICAO (the example Russian passport offices give): Юлия Щеглова */
    cr_assert_str_eq(latin("Юлия Щеглова"), "IULIIA SHCHEGLOVA");
    cr_assert_str_eq(token(analyse("Юлия"), "IULIIA")->plain, "YULIYA"); /* BGN */
}

struct un_case {
    const char *orig, *icao, *latin;
    const char *miss; /* a Latin word known not to meet (NULL if none) */
};

/* Does some token of a meet the word token w by text, plain or skeleton? */
static bool meets(const pw_name *a, const pw_name_token *w)
{
    for (int i = 0; i < a->n_tokens; i++) {
        const pw_name_token *t = &a->tokens[i];
        if (!strcmp(t->text, w->text) || !strcmp(t->plain, w->plain) ||
            !strcmp(t->plain, w->text) || !strcmp(t->text, w->plain) ||
            !strcmp(t->skeleton, w->skeleton))
            return true;
    }
    return false;
}

Test(names, un_cyrillic_names)
{
    /* UN list: the Cyrillic NAME_ORIGINAL_SCRIPT of entries 2960872, 6908487..6908548;
     * expected keys by ICAO; the list's own Latin spelling, which must meet every word
     * by text, plain or skeleton */
    static const struct un_case cases[] = {
        {"Умаров Доку Хаматович", "UMAROV DOKU KHAMATOVICH", "DOKU KHAMATOVICH UMAROV"},
        {"Абдурахманов Магомед Магомедзакирович", "ABDURAKHMANOV MAGOMED MAGOMEDZAKIROVICH",
         "MAGHOMED MAGHOMEDZAKIROVICH ABDURAKHMANOV"},
        {"Ислам Сеит-Умарович Атабиев", "ISLAM SEIT UMAROVICH ATABIEV",
         "ISLAM SEIT-UMAROVICH ATABIEV"},
        /* the list writes Ж as J here (ICAO: ZH); the skeleton keeps ZH apart from J */
        {"Ахмед Ражапович Чатаев", "AKHMED RAZHAPOVICH CHATAEV", "AKHMED RAJAPOVICH CHATAEV",
         "RAJAPOVICH"},
        {"Тархан Исмаилович Газиев", "TARKHAN ISMAILOVICH GAZIEV", "TARKHAN ISMAILOVICH GAZIEV"},
        {"Заурбек Салимович Гучаев", "ZAURBEK SALIMOVICH GUCHAEV", "ZAURBEK SALIMOVICH GUCHAEV"},
        /* the list writes З as S here; the skeleton keeps S and Z apart */
        {"Шамиль Магомедович Измайлов", "SHAMIL MAGOMEDOVICH IZMAILOV",
         "SHAMIL MAGOMEDOVICH ISMAILOV", "ISMAILOV"},
        {"Аслан Авгазарович Бютукаев", "ASLAN AVGAZAROVICH BIUTUKAEV",
         "ASLAN AVGAZAROVICH BYUTUKAEV"},
        {"Айрат Насимович Вахитов", "AIRAT NASIMOVICH VAKHITOV", "AYRAT NASIMOVICH VAKHITOV"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct un_case *c = &cases[k];
        cr_expect_str_eq(latin(c->orig), c->icao);
        pw_name orig, lat;
        cr_assert_eq(pw_name_analyse(scratch, c->orig, NULL, NULL, &orig), 0);
        cr_assert_eq(pw_name_analyse(scratch, c->latin, NULL, NULL, &lat), 0);
        for (int i = 0; i < lat.n_words; i++) {
            if (c->miss && strcmp(lat.tokens[i].text, c->miss) == 0)
                cr_expect_not(meets(&orig, &lat.tokens[i]), "%s: %s now meets: update the case",
                              c->orig, c->miss);
            else
                cr_expect(meets(&orig, &lat.tokens[i]), "%s: %s is not met", c->orig,
                          lat.tokens[i].text);
        }
    }
}

/* ---- Arabic script ------------------------------------------------------------ */

Test(names, arabic_romanisation_and_skeleton_meet_the_latin_spelling)
{
    /* ICU: صدام حسين -> sdam hsyn */
    const pw_name *n = analyse("صدام حسين");
    cr_assert_str_eq(words(n), "SDAM HSYN");
    cr_assert(n->non_latin);
    char sk0[PW_NAME_TOKEN_MAX], sk1[PW_NAME_TOKEN_MAX];
    memcpy(sk0, n->tokens[0].skeleton, sizeof sk0);
    memcpy(sk1, n->tokens[1].skeleton, sizeof sk1);
    /* rule: the skeletons meet those of the Latin spelling (UN list, entry 6908047) */
    n = analyse("SADDAM HUSSEIN");
    cr_assert_str_eq(n->tokens[0].skeleton, sk0);
    cr_assert_str_eq(n->tokens[1].skeleton, sk1);
    cr_assert_str_eq(sk0, "SDM");
    cr_assert_str_eq(sk1, "HSN");
}

Test(names, arabic_article_is_split_and_joined)
{
    /* ICU: التكريتي -> altkryty; rule: the glued article is split off, the joined form
     * kept, and before a sun letter (ت) the assimilated form too */
    const pw_name *n = analyse("صدام حسين التكريتي");
    cr_assert_str_eq(words(n), "SDAM HSYN AL TKRYTY");
    cr_assert(n->tokens[2].flags & PW_TOKEN_PARTICLE);
    const pw_name_token *j = token(n, "ALTKRYTY");
    cr_assert_not_null(j);
    cr_assert(j->flags & PW_TOKEN_JOINED);
    cr_assert_eq(j->word, 2);
    cr_assert_eq(j->span, 2);
    cr_assert_not_null(token(n, "ATTKRYTY"));
    /* the Latin spelling's words meet: TIKRITI by skeleton, ALTIKRITI by skeleton */
    pw_name lat;
    cr_assert_eq(pw_name_analyse(scratch, "SADDAM HUSSEIN AL-TIKRITI", NULL, NULL, &lat), 0);
    for (int i = 0; i < lat.n_tokens; i++)
        cr_expect(meets(n, &lat.tokens[i]), "%s", lat.tokens[i].text);
    /* pw_names_latin shows the source word whole */
    cr_assert_str_eq(latin("صدام حسين التكريتي"), "SDAM HSYN ALTKRYTY");
}

Test(names, arabic_ayn_ta_marbuta_and_compounds)
{
    /* ICU writes ع as ʿ: rule: A (عمر is OMAR, never the title MR) */
    const pw_name *n = analyse("عمر");
    cr_assert_str_eq(words(n), "AMR");
    cr_assert_eq(n->n_titles, 0);
    cr_assert_str_eq(n->tokens[0].skeleton, skel("OMAR"));
    /* ICU writes ة as t (hmzt); rule: a vowel, as HAMZA */
    cr_assert_str_eq(words(analyse("حمزة")), "HMZA");
    cr_assert_str_eq(nm.tokens[0].skeleton, skel("HAMZA"));
    /* rule: a compound with the article (نور الدين) is also joined, plain and
     * assimilated, as NOUREDDINE and NUR AL-DIN are written */
    n = analyse("نور الدين");
    cr_assert_not_null(token(n, "NWRALDYN"));
    cr_assert_not_null(token(n, "NWRADDYN"));
    cr_assert_str_eq(token(n, "NWRADDYN")->skeleton, skel("NOUREDDINE"));
    /* rule: glued ABD and glued ABU are split; الله keeps its article (ALLAH, never
     * AL + LH) */
    n = analyse("عبدالله");
    cr_assert_str_eq(words(n), "ABD ALLAH");
    cr_assert_not_null(token(n, "ABDALLAH"));
    n = analyse("عبد الله");
    cr_assert_str_eq(words(n), "ABD ALLAH");
    cr_assert_str_eq(token(n, "ABDALLAH")->skeleton, skel("ABDULLAH"));
    cr_assert_str_eq(words(analyse("الله داد")), "ALLAH DAD");
    n = analyse("ابوبكر");
    cr_assert_str_eq(words(n), "ABW BKR");
    cr_assert_str_eq(token(n, "ABWBKR")->skeleton, skel("ABUBAKAR"));
}

Test(names, arabic_compounds_written_apart_are_also_joined)
{
    /* rule: a word followed by الله, زاده, جان or خیل written apart is also joined
     * (compound_element), as Latin spellings glue them */
    const pw_name *n = analyse("رحمت الله");
    cr_assert_str_eq(words(n), "RHMT ALLAH");
    cr_assert_str_eq(token(n, "RHMTALLAH")->skeleton, skel("RAHMATULLAH"));
    /* rule: a final ة joined to the next element is said t (construct state) */
    n = analyse("هداية الله");
    cr_assert_str_eq(token(n, "HDAYATALLAH")->skeleton, skel("HIDAYATULLAH"));
    n = analyse("کاکا زاده");
    cr_assert_str_eq(token(n, "KAKAZADAH")->skeleton, skel("KAKAZADA"));
    n = analyse("ولی جان");
    cr_assert_str_eq(token(n, "WLYJAN")->skeleton, skel("WALIJAN"));
    n = analyse("شهيد خيل");
    cr_assert_str_eq(token(n, "SHHYDKHYL")->skeleton, skel("SHAHIDKHEL"));
    /* rule: a compound glued into one word is cut before its article
     * (glued_compound_tail) */
    n = analyse("نورالدين");
    cr_assert_str_eq(words(n), "NWR AL DYN");
    cr_assert_str_eq(token(n, "NWRADDYN")->skeleton, skel("NURUDDIN"));
    n = analyse("نعمتالله");
    cr_assert_str_eq(words(n), "NAMT ALLAH");
    cr_assert_str_eq(token(n, "NAMTALLAH")->skeleton, skel("NEMATULLAH"));
    /* not after a particle (ABD + ALLAH is the particle join ABDALLAH), nor other words */
    n = analyse("عبد الله");
    cr_assert_eq(n->n_tokens, 3); /* ABD ALLAH ABDALLAH */
    n = analyse("محمد زاهد");
    cr_assert_eq(n->n_tokens, 2);
}

Test(names, final_heh_after_a_consonant_is_a_vowel)
{
    /* ICU: طه -> ṭh, read as the digraph TH; rule: a final ه after a consonant closes
     * the word on a vowel: AH (TAHA, ZADA, ALLAH) */
    cr_assert_str_eq(words(analyse("طه")), "TAH");
    cr_assert_str_eq(words(analyse("زاده")), "ZADAH");
    cr_assert_str_eq(words(analyse("شاه")), "SHAH"); /* after a long vowel: as written */
}

Test(names, final_alif_maqsura_is_a)
{
    /* ICU: يحيى -> yḥyy; rule: a final ى is the vowel a (YAHYA, MUSA, MUSTAFA) */
    cr_assert_str_eq(words(analyse("يحيى")), "YHYA");
    cr_assert_str_eq(words(analyse("موسى")), "MWSA");
    cr_assert_str_eq(words(analyse("يحيي")), "YHYY"); /* a final ي stays a y */
}

Test(names, words_from_an_abjad_are_flagged)
{
    /* rule: words romanised from Arabic or Hebrew script, and joins holding one, carry
     * PW_TOKEN_ABJAD: their short vowels are not written */
    const pw_name *n = analyse("عبد الرحمن");
    for (int i = 0; i < n->n_tokens; i++)
        cr_expect(n->tokens[i].flags & PW_TOKEN_ABJAD, "%s", n->tokens[i].text);
    n = analyse("דוד");
    cr_assert(n->tokens[0].flags & PW_TOKEN_ABJAD);
    n = analyse("ABDUL RAHMAN");
    for (int i = 0; i < n->n_tokens; i++)
        cr_expect(!(n->tokens[i].flags & PW_TOKEN_ABJAD), "%s", n->tokens[i].text);
    n = analyse("Шамиль");
    cr_assert(!(n->tokens[0].flags & PW_TOKEN_ABJAD));
}

Test(names, persian_values_when_the_name_uses_persian_letters)
{
    /* ICU: فضل -> fdl (Arabic ض); rule: with a Persian-only letter in the name (ی),
     * ض is Z, as FAZL is written */
    cr_assert_str_eq(words(analyse("فضل ربی")), "FZL RBY");
    cr_assert_str_eq(words(analyse("فضل ربي")), "FDL RBY"); /* Arabic ي: Arabic values */
    /* rule: the other reading of ث ذ ض is the plain form (FAZL and FADL, SAQIB and
     * THAQIB, ZAKIR and DHAKIR) */
    cr_assert_str_eq(analyse("فضل ربي")->tokens[0].plain, "FZL");
    cr_assert_str_eq(analyse("فضل ربی")->tokens[0].plain, "FDL");
    cr_assert_str_eq(analyse("ثاقب")->tokens[0].plain, "SAQB");
    cr_assert_str_eq(analyse("ذاكر")->tokens[0].plain, "ZAKR");
    cr_assert_str_eq(analyse("محمد")->tokens[0].plain, "MHMD"); /* nothing to read otherwise */
    /* rule: else the spoken G of ق and ج (GASMI, RAGAB), GH for ق in a Persian name */
    cr_assert_str_eq(analyse("قاسمي")->tokens[0].plain, "GASMY");
    cr_assert_str_eq(analyse("رجب")->tokens[0].plain, "RGB");
    cr_assert_str_eq(analyse("آقا گل")->tokens[0].plain, "AGHA");
}

Test(names, arabic_letters_icu_leaves_alone_are_mapped)
{
    /* ICU 72 leaves Pashto ټ (TEH WITH RING) untouched; rule: its base letter ت */
    const pw_name *n = analyse("ټول");
    cr_assert_str_eq(words(n), "TWL");
}

/* ---- other scripts through ICU ------------------------------------------------- */

Test(names, greek_text_is_elot_plain_is_any_latin)
{
    const pw_name *n = analyse("Αλέξης Τσίπρας");
    cr_assert_str_eq(words(n), "ALEXIS TSIPRAS");        /* UNGEGN */
    cr_assert_str_eq(n->tokens[0].plain, "ALEXES");      /* ICU Any-Latin */
    cr_assert_str_eq(words(analyse("ΑΘΗΝΑ")), "ATHINA"); /* UNGEGN; upper case input */
}

Test(names, han_is_romanised_per_character)
{
    /* ICU: 王小明 -> wáng xiǎo míng, tones dropped */
    const pw_name *n = analyse("王小明");
    cr_assert_str_eq(words(n), "WANG XIAO MING");
    cr_assert_eq(n->n_words, 3);
    /* rule: syllables of one word joined, whole and without the first (the given
     * name as Chinese passports write it) */
    cr_assert_not_null(token(n, "WANGXIAOMING"));
    cr_assert_not_null(token(n, "XIAOMING"));
    cr_assert_str_eq(latin("王小明"), "WANG XIAO MING");
}

Test(names, hangul_hebrew_thai_devanagari_kana)
{
    /* ICU: 김정은 -> gimjeong-eun (the hyphen is ICU's syllable mark: joined) */
    cr_assert_str_eq(words(analyse("김정은")), "GIMJEONGEUN");
    cr_assert_str_eq(words(analyse("בנימין נתניהו")), "BNYMYN NTNYHW"); /* ICU */
    cr_assert_str_eq(words(analyse("สมชาย")), "SMCHAY");                /* ICU */
    cr_assert_str_eq(words(analyse("नरेन्द्र मोदी")), "NARENDRA MODI");    /* ICU */
    cr_assert_str_eq(words(analyse("やまだ たろう")), "YAMADA TAROU");  /* ICU */
    cr_assert(nm.non_latin);
}

Test(names, han_and_hangul_syllables_are_flagged)
{
    /* rule: romanised Han and Hangul words, and their joins, are PW_TOKEN_SYLLABIC
     * (one syllable, one written character); kana, which spells sounds, and Latin
     * words are not */
    const pw_name *n = analyse("习近平");
    cr_assert_eq(n->n_tokens, 5); /* XI JIN PING, XIJINPING, JINPING */
    for (int i = 0; i < n->n_tokens; i++)
        cr_assert(n->tokens[i].flags & PW_TOKEN_SYLLABIC, "%s", n->tokens[i].text);
    n = analyse("김정은");
    cr_assert(n->tokens[0].flags & PW_TOKEN_SYLLABIC);
    n = analyse("バラク・オバマ"); /* ICU: BARAKU OBAMA */
    cr_assert_str_eq(words(n), "BARAKU OBAMA");
    cr_assert_not(n->tokens[0].flags & PW_TOKEN_SYLLABIC);
    n = analyse("XI JINPING");
    cr_assert_not(n->tokens[0].flags & PW_TOKEN_SYLLABIC);
    n = analyse("مسعود"); /* Arabic: consonantal, not syllabic */
    cr_assert_not(n->tokens[0].flags & PW_TOKEN_SYLLABIC);
}

Test(names, a_letter_after_an_apostrophe_is_no_initial)
{
    /* rule: HYO'K (McCune-Reischauer HYŎK) is one syllable; J. is an initial */
    const pw_name *n = analyse("KIM HYO'K");
    cr_assert_str_eq(words(n), "KIM HYO K");
    cr_assert_not(n->tokens[2].flags & PW_TOKEN_INITIAL);
    cr_assert_not_null(token(n, "HYOK"));
    n = analyse("J. SMITH");
    cr_assert(n->tokens[0].flags & PW_TOKEN_INITIAL);
}

/* ---- mixed-script confusables --------------------------------------------------- */

Test(names, confusables_fold_only_mixed_words)
{
    /* UTS #39: a Cyrillic а (U+0430) inside a Latin word is a */
    cr_assert_str_eq(words(analyse("Vl\xd0\xb0"
                                   "dimir")),
                     "VLADIMIR");
    cr_assert_not(nm.non_latin);
    /* UTS #39: a Greek Ο (U+039F) for O */
    cr_assert_str_eq(words(analyse("\xce\x9fSAMA")), "OSAMA");
    /* UTS #39: a Latin y inside a Cyrillic word is у: Пyтин is Путин */
    cr_assert_str_eq(words(analyse("П"
                                   "y"
                                   "тин")),
                     "PUTIN");
    /* a wholly Cyrillic word is transliterated, not skeleton-mapped (the skeleton of
     * Сергей would read CEPREN) */
    cr_assert_str_eq(words(analyse("Сергей")), "SERGEI"); /* ICAO */
    cr_assert_str_eq(words(analyse("Владимир Putin")), "VLADIMIR PUTIN");
}

/* ---- titles, placeholders ------------------------------------------------------ */

Test(names, titles_and_suffixes_are_set_aside)
{
    const pw_name *n = analyse("MR JOHN SMITH JR");
    cr_assert_str_eq(words(n), "JOHN SMITH");
    cr_assert_eq(n->n_titles, 2);
    n = analyse("Dr. Jane Doe III");
    cr_assert_str_eq(words(n), "JANE DOE");
    cr_assert_eq(n->n_titles, 2);
    /* a title alone is all there is: kept */
    n = analyse("MR");
    cr_assert_str_eq(words(n), "MR");
    cr_assert_eq(n->n_titles, 0);
}

/* Token k of n is a word read both ways, a title cut off and as written (plain): flagged
 * PW_TOKEN_GLUED_TITLE, and no title counted as cut. */
static void read_both_ways(const pw_name *n, int k, const char *plain)
{
    cr_assert_str_eq(n->tokens[k].plain, plain);
    cr_assert(n->tokens[k].flags & PW_TOKEN_GLUED_TITLE, "%s", plain);
    cr_assert_eq(n->n_titles, 0, "%s", plain);
}

Test(names, glued_pnr_titles)
{
    /* rule: cut from the last given-name word when >= 2 letters remain */
    const pw_name *n = analyse("SMITH/CHARLESMR");
    cr_assert_str_eq(words(n), "SMITH CHARLES");
    cr_assert_eq(n->n_titles, 1);
    cr_assert(n->tokens[0].flags & PW_TOKEN_SURNAME);
    cr_assert(n->tokens[1].flags & PW_TOKEN_GIVEN);
    n = analyse_parts("JONES", "ANNMRS");
    cr_assert_str_eq(words(n), "ANN JONES");
    cr_assert_eq(n->n_titles, 1);
    n = analyse("SMITH/JOHN PAULMSTR");
    cr_assert_str_eq(words(n), "SMITH JOHN PAUL");
    cr_assert_str_eq(words(analyse("SMITH/MARYMISS")), "SMITH MARY");
    /* MS cut only in the SURNAME/GIVEN form: WILLIAMS and ADAMS end in MS; elsewhere
     * the last given-name word is read both ways (AQSAMS: AQSA, plain AQSAMS) */
    cr_assert_str_eq(words(analyse("SMITH/ANNMS")), "SMITH ANN");
    n = analyse_parts("MAHMOOD", "AQSAMS");
    cr_assert_str_eq(words(n), "AQSA MAHMOOD");
    read_both_ways(n, 0, "AQSAMS");
    n = analyse("JONES, ADAMS");
    cr_assert_str_eq(words(n), "JONES ADA");
    cr_assert_str_eq(n->tokens[1].plain, "ADAMS");
    /* ... on the last given-name word only: a surname ending in MS is left alone */
    n = analyse_parts("WILLIAMS", "JOHN");
    cr_assert_str_eq(words(n), "JOHN WILLIAMS");
    cr_assert_not(n->tokens[1].flags & PW_TOKEN_GLUED_TITLE);
    /* DR never: ALEKSANDR, BADR */
    cr_assert_str_eq(words(analyse_parts("IVANOV", "ALEKSANDR")), "ALEKSANDR IVANOV");
    cr_assert_str_eq(words(analyse("KHAN/BADR")), "KHAN BADR");
    /* fewer than two letters would remain: AMR stays */
    cr_assert_str_eq(words(analyse_parts("MOUSSA", "AMR")), "AMR MOUSSA");
    /* two would remain: a name as likely as a title (NIMR, AAMR), read both ways */
    n = analyse_parts("AL MARRANI", "MUTLAQ ALI AAMR");
    cr_assert_str_eq(n->tokens[2].text, "AA");
    read_both_ways(n, 2, "AAMR");
    n = analyse("HAMADI/NIMR");
    read_both_ways(n, 1, "NIMR");
    /* not a given name: a surname ending in MR is not cut but read both ways */
    n = analyse_parts("KARAMR", "ALI");
    cr_assert_str_eq(words(n), "ALI KARA");
    read_both_ways(n, 1, "KARAMR");
    /* a whole name without SURNAME/GIVEN structure: nothing is cut, each word that
     * may carry a title is read both ways */
    n = analyse("CHARLESMR SMITH");
    cr_assert_str_eq(words(n), "CHARLES SMITH");
    read_both_ways(n, 0, "CHARLESMR");
    cr_assert_not(n->tokens[1].flags & PW_TOKEN_GLUED_TITLE);
    n = analyse("MALEKI NASERMR");
    cr_assert_str_eq(words(n), "MALEKI NASER");
    read_both_ways(n, 1, "NASERMR");
    /* ... but never MS (ADAMS), never with fewer than two letters left (AMR), never
     * a lone word, never a word with accents */
    n = analyse("JOHN ADAMS");
    cr_assert_str_eq(words(n), "JOHN ADAMS");
    cr_assert_not(n->tokens[1].flags & PW_TOKEN_GLUED_TITLE);
    cr_assert_str_eq(words(analyse("AMR MOUSSA")), "AMR MOUSSA");
    cr_assert_str_eq(words(analyse("NIMR")), "NIMR");
    cr_assert_str_eq(words(analyse("MÜLLERMR SMITH")), "MUELLERMR SMITH"); /* ICAO: UE, plain U */
    /* the surname field of a sender that swapped the fields */
    n = analyse_parts("TAHIRMR", "NASUF");
    cr_assert_str_eq(words(n), "NASUF TAHIR");
    cr_assert_str_eq(n->tokens[1].plain, "TAHIRMR");
}

Test(names, placeholders_mean_unknown)
{
    const pw_name *n = analyse("FNU KHAN");
    cr_assert_str_eq(words(n), "KHAN");
    cr_assert(n->given_unknown);
    cr_assert_not(n->surname_unknown);
    n = analyse_parts("LNU", "AHMED");
    cr_assert_str_eq(words(n), "AHMED");
    cr_assert(n->surname_unknown);
    n = analyse_parts("UNKNOWN", "AHMED"); /* by field */
    cr_assert(n->surname_unknown);
    cr_assert_not(n->given_unknown);
    n = analyse("UNKNOWN SMITH"); /* by position: before the name */
    cr_assert(n->given_unknown);
    n = analyse("SMITH XXX");
    cr_assert(n->surname_unknown);
    n = analyse("FNU LNU");
    cr_assert_eq(n->n_tokens, 0);
    cr_assert(n->given_unknown && n->surname_unknown);
}

/* ---- particles, joined variants, surname/given ---------------------------------- */

Test(names, particles_and_joined_variants)
{
    const pw_name *n = analyse("MUAMMAR AL QADHAFI");
    cr_assert_str_eq(words(n), "MUAMMAR AL QADHAFI");
    cr_assert(n->tokens[1].flags & PW_TOKEN_PARTICLE);
    cr_assert_not(n->tokens[2].flags & PW_TOKEN_PARTICLE);
    const pw_name_token *j = token(n, "ALQADHAFI");
    cr_assert_not_null(j);
    cr_assert_eq(j->flags & PW_TOKEN_JOINED, PW_TOKEN_JOINED);
    cr_assert_eq(j->word, 1);
    cr_assert_eq(j->span, 2);
    cr_assert_eq(n->n_words, 3);

    n = analyse("VAN DER BERG");
    cr_assert_not_null(token(n, "VANDERBERG"));
    cr_assert_not_null(token(n, "DERBERG"));

    n = analyse("O'Neil");
    cr_assert_str_eq(words(n), "O NEIL");
    cr_assert(n->tokens[0].flags & PW_TOKEN_INITIAL);
    cr_assert(n->tokens[0].flags & PW_TOKEN_PARTICLE);
    cr_assert_not_null(token(n, "ONEIL"));

    /* a run of initials in one part, as bookings write it (SM TUFAIL); not across
     * parts */
    n = analyse("TUFAIL, S.M.");
    cr_assert_str_eq(words(n), "TUFAIL S M");
    j = token(n, "SM");
    cr_assert_not_null(j);
    cr_assert_eq(j->flags & PW_TOKEN_JOINED, PW_TOKEN_JOINED);
    cr_assert_eq(j->span, 2);
    cr_assert_null(token(analyse_parts("K", "J R"), "RK"));

    n = analyse("ABDUL-AZIZ");
    cr_assert_not_null(token(n, "ABDULAZIZ"));
    n = analyse("SA'D");
    cr_assert_not_null(token(n, "SAD"));

    /* a particle with nothing after it in its part is not flagged (LE, DO are also
     * Vietnamese surnames) */
    n = analyse("NGUYEN VAN LE");
    cr_assert(n->tokens[1].flags & PW_TOKEN_PARTICLE);
    cr_assert_not(n->tokens[2].flags & PW_TOKEN_PARTICLE);
    /* an assimilated article only when hyphen-joined */
    n = analyse("SHAMS UR-RAHMAN");
    cr_assert(n->tokens[1].flags & PW_TOKEN_PARTICLE);
    cr_assert_not_null(token(n, "URRAHMAN"));
    n = analyse("AS YOU");
    cr_assert_not(n->tokens[0].flags & PW_TOKEN_PARTICLE);
    /* no joined variant across the comma */
    n = analyse("AL, QADHAFI");
    cr_assert_null(token(n, "ALQADHAFI"));
}

Test(names, surname_given_from_parts_and_comma)
{
    const pw_name *n = analyse("SALEK, Abdulhai");
    cr_assert_str_eq(words(n), "SALEK ABDULHAI");
    cr_assert_eq(n->tokens[0].flags & (PW_TOKEN_SURNAME | PW_TOKEN_GIVEN), PW_TOKEN_SURNAME);
    cr_assert_eq(n->tokens[1].flags & (PW_TOKEN_SURNAME | PW_TOKEN_GIVEN), PW_TOKEN_GIVEN);
    /* parts win over the whole name; given words come first */
    cr_assert_eq(pw_name_analyse(scratch, "IGNORED NAME", "DE LA CRUZ", "Juan Pablo", &nm), 0);
    cr_assert_str_eq(words(&nm), "JUAN PABLO DE LA CRUZ");
    cr_assert(nm.tokens[0].flags & PW_TOKEN_GIVEN);
    cr_assert(nm.tokens[4].flags & PW_TOKEN_SURNAME);
    cr_assert_not_null(token(&nm, "DELACRUZ"));
    cr_assert_null(token(&nm, "PABLODE"), "no join across fields");
    /* empty parts: the whole name is used */
    cr_assert_eq(pw_name_analyse(scratch, "Ali Hassan", "", NULL, &nm), 0);
    cr_assert_str_eq(words(&nm), "ALI HASSAN");
    cr_assert_eq(nm.tokens[0].flags & (PW_TOKEN_SURNAME | PW_TOKEN_GIVEN), 0);
    /* a whole name without a comma: no fields */
    n = analyse("Abdulhai Salek");
    cr_assert_eq(n->tokens[0].flags & (PW_TOKEN_SURNAME | PW_TOKEN_GIVEN), 0);
}

/* ---- skeleton -------------------------------------------------------------------- */

Test(names, skeleton_rules)
{
    /* rule (skeleton.c): vowels, W, Y, H dropped except leading; doubles collapse */
    cr_assert_str_eq(skel("SADDAM"), "SDM");
    cr_assert_str_eq(skel("SDAM"), "SDM");
    cr_assert_str_eq(skel("MUHAMMAD"), skel("MHMD"));
    cr_assert_str_neq(skel("MUHAMMAD"), skel("AHMAD")); /* not collapsed across vowels */
    cr_assert_str_eq(skel("KHALID"), skel("KHALD"));
    cr_assert_str_eq(skel("QUSAY"), skel("KUSAY"));   /* Q -> K */
    cr_assert_str_eq(skel("SHAMIL"), skel("CHAMIL")); /* SH, CH -> X */
    cr_assert_str_eq(skel("FADHIL"), skel("FADL"));   /* DH -> D */
    cr_assert_str_eq(skel("JAMEL"), skel("DJAMEL"));  /* DJ -> J */
    cr_assert_str_eq(skel("YUSUF"), "YSF");           /* a leading Y is kept */
    cr_assert_str_eq(skel("HASSAN"), "HSN");          /* a leading H is kept */
    cr_assert_str_eq(skel("YAHYA"), "Y");             /* ... others are vowels */
    cr_assert_str_eq(skel("ALI"), "AL");              /* leading vowel as A */
    cr_assert_str_eq(skel("ILYA"), "AL");
    cr_assert_str_eq(skel("ALEX"), "ALKS");  /* X -> KS */
    cr_assert_str_eq(skel("CELINE"), "SLN"); /* C before E, I, Y -> S */
    cr_assert_str_eq(skel("A"), "A");
    cr_assert_str_eq(skel(""), "");
    cr_assert_str_eq(skel("ABC123"), "ABK123"); /* digits stay */
}

/* ---- robustness -------------------------------------------------------------------- */

Test(names, invalid_utf8_is_replaced_and_flagged)
{
    static const char *const bad[] = {
        "AB\xff"
        "CD", /* not a UTF-8 byte */
        "AB\xc3"
        "CD", /* a lead byte without its continuation */
        "AB\xc0\xaf"
        "CD", /* overlong */
        "AB\xed\xa0\x80"
        "CD", /* a surrogate */
        "AB\xf4\x90\x80\x80"
        "CD", /* above U+10FFFF */
        "AB\x80"
        "CD", /* a lone continuation byte */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const pw_name *n = analyse(bad[i]);
        cr_expect(n->invalid_utf8, "case %zu", i);
        cr_expect_str_eq(words(n), "AB CD", "case %zu", i);
    }
    const pw_name *n = analyse("Мул\xff"
                               "лер"); /* inside a Cyrillic name */
    cr_assert(n->invalid_utf8);
    cr_assert_str_eq(words(n), "MUL LER");
    n = analyse("\xc3"); /* truncated at the end, nothing else */
    cr_assert(n->invalid_utf8);
    cr_assert_eq(n->n_tokens, 0);
    cr_assert_not(analyse("Müller")->invalid_utf8);
}

Test(names, empty_and_letterless_names)
{
    cr_assert_eq(analyse("")->n_tokens, 0);
    cr_assert_eq(analyse(" - , / .")->n_tokens, 0);
    cr_assert_eq(pw_name_analyse(scratch, NULL, NULL, NULL, &nm), 0);
    cr_assert_eq(nm.n_tokens, 0);
    cr_assert_str_eq(latin(""), "");
}

Test(names, truncation_limits)
{
    char many[1024] = "";
    size_t w = 0;
    for (int i = 0; i < 30; i++) /* 30 distinct words */
        w += (size_t)snprintf(many + w, sizeof many - w, "W%c%c ", 'A' + i % 26, 'A' + i / 26);
    const pw_name *n = analyse(many);
    cr_assert_eq(n->n_tokens, PW_NAME_MAX_TOKENS);
    cr_assert_eq(n->n_words, PW_NAME_MAX_TOKENS);
    cr_assert(n->truncated);

    char longword[128];
    memset(longword, 'A', 100);
    longword[100] = '\0';
    n = analyse(longword);
    cr_assert_eq(n->n_tokens, 1);
    cr_assert_eq(n->tokens[0].len, PW_NAME_TOKEN_MAX - 1);
    cr_assert_eq(strlen(n->tokens[0].text), PW_NAME_TOKEN_MAX - 1);
    cr_assert(n->truncated);
    cr_assert_not(analyse("JOHN SMITH")->truncated);

    /* a very long input is read up to a limit, cut at a character boundary */
    static char huge[20000];
    for (size_t i = 0; i + 3 < sizeof huge; i += 3)
        memcpy(huge + i, i % 30 == 27 ? " Ж" : "Жa", 3);
    huge[sizeof huge - 2] = '\0';
    n = analyse(huge);
    cr_assert(n->truncated);
    cr_assert_not(n->invalid_utf8, "the cut falls between characters");

    /* pw_names_latin cuts at the capacity */
    char small[8];
    cr_assert_eq(pw_names_latin(scratch, "JOHN SMITH", small, sizeof small), 0);
    cr_assert_str_eq(small, "JOHN SM");
    cr_assert_eq(pw_names_latin(scratch, "JOHN", small, 0), PW_EINVAL);
}

/* ---- threads -------------------------------------------------------------------------- */

struct thread_job {
    const char *name, *expect;
    int bad;
};

static void *thread_main(void *arg)
{
    struct thread_job *job = arg;
    pw_names_scratch *s = pw_names_scratch_new();
    pw_name out;
    char buf[256];
    for (int i = 0; i < 300 && s; i++) {
        if (pw_name_analyse(s, job->name, NULL, NULL, &out) != 0 ||
            pw_names_latin(s, job->name, buf, sizeof buf) != 0 || strcmp(buf, job->expect))
            job->bad++;
    }
    if (!s)
        job->bad++;
    pw_names_scratch_free(s);
    return NULL;
}

Test(names, one_scratch_per_thread)
{
    /* the documented model: scratches are per thread, the tables shared read-only */
    struct thread_job jobs[4] = {{"صدام حسين", "SDAM HSYN", 0},
                                 {"Владимир Путин", "VLADIMIR PUTIN", 0},
                                 {"王小明", "WANG XIAO MING", 0},
                                 {"Müller", "MUELLER", 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, thread_main, &jobs[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(jobs[i].bad, 0, "%s", jobs[i].name);
    }
}

Test(names, familiar_forms_of_given_names_link_both_ways)
{
    cr_assert(pw_names_nickname_of("TED", "THEODORE"));
    cr_assert(pw_names_nickname_of("THEODORE", "TED"));
    cr_assert(pw_names_nickname_of("TED", "EDWARD"), "a familiar form may stand for two names");
    cr_assert(pw_names_nickname_of("SASHA", "ALEKSANDR"));
    cr_assert_not(pw_names_nickname_of("BILL", "WILL"), "two familiar forms are not linked");
    cr_assert_not(pw_names_nickname_of("JOHN", "JOHN"));
    cr_assert_not(pw_names_nickname_of("SMITH", "JOHN"));
    const char *partners[16];
    size_t n = pw_names_nickname_partners("WILLIAM", partners, 16);
    cr_assert_eq(n, 4, "BILL, BILLY, WILL, WILLIE");
    bool bill = false;
    for (size_t i = 0; i < n; i++)
        bill |= strcmp(partners[i], "BILL") == 0;
    cr_assert(bill);
    cr_assert_eq(pw_names_nickname_partners("SMITH", partners, 16), 0);
    cr_assert_eq(pw_names_nickname_partners("WILLIAM", partners, 2), 2, "at most cap");
}

/* pw_names_scratch_fill_skeletons (rule, names.h): a scratch told not to fill them
 * leaves every token's skeleton empty, and its keys are otherwise the same; the default
 * fills each with pw_names_skeleton of the token's text. */
Test(names, skeletons_can_be_left_to_the_caller)
{
    const char *full = "Abd al-Rahman Mohammed VAN DER BERG";
    pw_name filled;
    cr_assert_eq(pw_name_analyse(scratch, full, NULL, NULL, &filled), 0);
    cr_assert_gt(filled.n_tokens, filled.n_words, "joined variants too");
    for (int i = 0; i < filled.n_tokens; i++)
        cr_assert_str_eq(filled.tokens[i].skeleton, skel(filled.tokens[i].text), "%s",
                         filled.tokens[i].text);
    pw_names_scratch_fill_skeletons(scratch, false);
    const pw_name *left = analyse(full);
    pw_names_scratch_fill_skeletons(scratch, true);
    cr_assert_eq(left->n_tokens, filled.n_tokens);
    for (int i = 0; i < left->n_tokens; i++) {
        cr_assert_str_empty(left->tokens[i].skeleton, "%s", left->tokens[i].text);
        cr_assert_str_eq(left->tokens[i].text, filled.tokens[i].text);
        cr_assert_str_eq(left->tokens[i].plain, filled.tokens[i].plain);
        cr_assert_eq(left->tokens[i].flags, filled.tokens[i].flags);
    }
    cr_assert_str_eq(analyse(full)->tokens[0].skeleton, skel(filled.tokens[0].text),
                     "filled again once told to");
}
