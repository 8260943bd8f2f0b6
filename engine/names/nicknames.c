/*
 * Given names and their familiar forms (hypocorisms): TED and THEODORE, BILL and
 * WILLIAM, SASHA and ALEKSANDR, PEPE and JOSE. A traveller booked as BEN NETANYAHU is
 * listed as BENJAMIN NETANYAHU; no spelling measure links the two, so the matcher asks
 * this table (see match.c).
 *
 * The table is a fact list written for paxwatch from common knowledge of English,
 * Russian, Spanish and Hebrew given names: each line a formal name, then the familiar
 * forms that stand for it. Spelling variants of the formal name (STEPHEN, STEVEN) are
 * lines of their own. At first use the lines become one array of (name, partner)
 * pairs in both directions, sorted, and an open-addressing hash table from each name
 * to its first pair, so a look-up (one per given name a traveller has) is a hash and
 * a string compare rather than a binary search of ten compares. Two familiar
 * forms of the same name (BILL, WILL) are not partners: each links to the formal name
 * only, which is what a list or a passport writes.
 */
#include "names/names.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const groups[] = {
    /* English */
    "ABRAHAM ABE BRAM", "ALBERT AL BERT BERTIE", "ALEXANDER ALEX ALEC SANDY XANDER",
    "ALEXANDRA ALEX SANDRA SANDY LEXI", "ALFRED ALF ALFIE FRED", "ANDREW ANDY DREW",
    "ANTHONY TONY", "ANTONIO TONY TONIO", "ARTHUR ART ARTIE", "BARACK BARRY",
    "BARBARA BARB BABS", "BENJAMIN BEN BENNY BENJI BIBI", "BERNARD BERNIE",
    "CATHERINE CATHY KATE KATIE KAT", "KATHERINE KATHY KATE KATIE KAT",
    "KATHRYN KATHY KATE KATIE", "CHARLES CHARLIE CHUCK CHAS", "CHRISTOPHER CHRIS KIT",
    "CHRISTINE CHRIS TINA", "CHRISTINA CHRIS TINA", "DANIEL DAN DANNY",
    "DAVID DAVE DAVY", "DEBORAH DEB DEBBIE", "DONALD DON DONNIE",
    "DOROTHY DOT DOTTIE DOLLY", "EDWARD ED EDDIE NED TED TEDDY", "EDMUND ED NED",
    "ELIZABETH LIZ LIZZIE BETH BETTY BETSY ELIZA LIBBY", "EUGENE GENE",
    "FRANCIS FRANK", "FRANKLIN FRANK", "FREDERICK FRED FREDDIE", "GABRIEL GABE",
    "GEOFFREY GEOFF JEFF", "JEFFREY JEFF", "GERALD GERRY JERRY", "GREGORY GREG",
    "HAROLD HAL HARRY", "HENRY HANK HARRY HAL", "HERBERT HERB", "ISAAC IKE",
    "JACOB JAKE", "JAMES JIM JIMMY JAMIE", "JENNIFER JEN JENNY", "JOHN JACK JOHNNY",
    "JONATHAN JON JONNY", "JOSEPH JOE JOEY", "JOSHUA JOSH", "KENNETH KEN KENNY",
    "LAWRENCE LARRY", "LAURENCE LARRY", "LEONARD LEN LENNY", "LOUIS LOU LOUIE",
    "MARGARET MAGGIE MEG PEGGY MARGE", "MATTHEW MATT", "MICHAEL MIKE MICK MICKEY",
    "NATHANIEL NATE NAT", "NATHAN NATE NAT", "NICHOLAS NICK NICKY",
    "PATRICIA PAT PATTY TRISH", "PATRICK PAT PADDY", "PETER PETE", "PHILIP PHIL",
    "PHILLIP PHIL", "RAYMOND RAY", "RICHARD RICK DICK RICH RICKY",
    "ROBERT BOB BOBBY ROB ROBBIE", "RONALD RON RONNIE", "SAMUEL SAM SAMMY",
    "STEPHEN STEVE", "STEVEN STEVE", "SUSAN SUE SUSIE", "THEODORE TED TEDDY THEO",
    "THOMAS TOM TOMMY", "TIMOTHY TIM", "VICTORIA VICKY TORI", "WALTER WALT WALLY",
    "WILLIAM BILL BILLY WILL WILLIE", "ZACHARY ZACH ZACK",
    /* Russian (BGN/PCGN and ICAO spellings of the formal name) */
    "ALEKSANDR SASHA SHURA", "ALEKSEY ALYOSHA LYOSHA", "ALEKSEI ALYOSHA LYOSHA",
    "ANASTASIYA NASTYA", "DMITRIY DIMA MITYA", "DMITRII DIMA MITYA",
    "DMITRY DIMA MITYA", "EKATERINA KATYA", "YEKATERINA KATYA", "IVAN VANYA",
    "MARIYA MASHA", "MARIA MASHA", "MIKHAIL MISHA", "NATALYA NATASHA",
    "NATALIA NATASHA", "NIKOLAY KOLYA", "NIKOLAI KOLYA", "PAVEL PASHA",
    "SERGEY SERYOZHA", "SERGEI SERYOZHA", "TATYANA TANYA", "TATIANA TANYA",
    "VLADIMIR VOVA VOLODYA", "YEVGENIY ZHENYA", "EVGENII ZHENYA",
    /* Spanish */
    "JOSE PEPE", "FRANCISCO PACO PANCHO CURRO", "ENRIQUE QUIQUE", "GUADALUPE LUPE",
    "JESUS CHUY", "IGNACIO NACHO", "MANUEL MANOLO", "ROSARIO CHARO",
    "CONCEPCION CONCHA CONCHITA", "DOLORES LOLA",
    /* Hebrew */
    "BINYAMIN BIBI BENNY",
};

typedef struct nick_pair {
    char name[PW_NAME_TOKEN_MAX];
    char partner[PW_NAME_TOKEN_MAX];
} nick_pair;

static nick_pair *pairs;
static size_t n_pairs;
static uint32_t *first_of; /* hash table: 1 + index of a name's first pair, 0 when empty */
static size_t first_of_mask;
static pthread_once_t pairs_once = PTHREAD_ONCE_INIT;

/* FNV-1a of a name: its place in first_of. */
static size_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 16777619u;
    return h;
}

static int compare_pairs(const void *a, const void *b)
{
    const nick_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->partner, y->partner);
}

static void add_pair(const char *a, size_t la, const char *b, size_t lb)
{
    nick_pair *p = &pairs[n_pairs++];
    memcpy(p->name, a, la);
    p->name[la] = '\0';
    memcpy(p->partner, b, lb);
    p->partner[lb] = '\0';
}

static void build_pairs(void)
{
    size_t cap = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (const char *c = groups[g]; *c; c++)
            cap += *c == ' ' ? 2 : 0;
    pairs = calloc(cap ? cap : 1, sizeof *pairs);
    if (!pairs)
        return; /* out of memory: no nicknames known */
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        const char *formal = groups[g];
        size_t lf = strcspn(formal, " ");
        for (const char *c = formal + lf; *c == ' ';) {
            const char *nick = c + 1;
            size_t ln = strcspn(nick, " ");
            add_pair(formal, lf, nick, ln);
            add_pair(nick, ln, formal, lf);
            c = nick + ln;
        }
    }
    qsort(pairs, n_pairs, sizeof *pairs, compare_pairs);
    size_t slots = 16;
    while (slots < 2 * n_pairs) /* fewer names than pairs: at most half full */
        slots *= 2;
    first_of = calloc(slots, sizeof *first_of);
    if (!first_of) {
        n_pairs = 0; /* out of memory: no nicknames known */
        return;
    }
    first_of_mask = slots - 1;
    for (size_t i = 0; i < n_pairs; i++) {
        if (i > 0 && strcmp(pairs[i].name, pairs[i - 1].name) == 0)
            continue;
        size_t j = name_hash(pairs[i].name) & first_of_mask;
        while (first_of[j])
            j = (j + 1) & first_of_mask;
        first_of[j] = (uint32_t)i + 1;
    }
}

/* Index of the first pair whose name is name, or n_pairs. */
static size_t first_pair(const char *name)
{
    pthread_once(&pairs_once, build_pairs);
    if (!first_of)
        return n_pairs;
    for (size_t j = name_hash(name) & first_of_mask; first_of[j]; j = (j + 1) & first_of_mask)
        if (strcmp(pairs[first_of[j] - 1].name, name) == 0)
            return first_of[j] - 1;
    return n_pairs;
}

size_t pw_names_nickname_partners(const char *name, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = first_pair(name); i < n_pairs && strcmp(pairs[i].name, name) == 0; i++)
        if (n < cap)
            out[n++] = pairs[i].partner;
    return n;
}

bool pw_names_nickname_of(const char *a, const char *b)
{
    for (size_t i = first_pair(a); i < n_pairs && strcmp(pairs[i].name, a) == 0; i++)
        if (strcmp(pairs[i].partner, b) == 0)
            return true;
    return false;
}
