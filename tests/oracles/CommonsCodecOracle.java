/*
 * Oracle for the phonetic encoders: runs Apache Commons Codec's implementations over
 * words read one per line from standard input and writes one TSV row per word:
 *
 *   word, dm_primary, dm_alternate (DoubleMetaphone, maxCodeLen 4, the default),
 *   dm8_primary, dm8_alternate (maxCodeLen 8), nysiis (Nysiis strict, the default),
 *   nysiis_full (Nysiis(false)), soundex (Soundex.US_ENGLISH),
 *   daitch_mokotoff (DaitchMokotoffSoundex.soundex: branches joined by '|')
 *
 * Used by tests/oracles/generate.sh at table-generation time only: compiled with javac
 * into a temporary directory and run against the system's commons-codec.jar. Neither
 * the engine nor its tests run it.
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.commons.codec.language.DaitchMokotoffSoundex;
import org.apache.commons.codec.language.DoubleMetaphone;
import org.apache.commons.codec.language.Nysiis;
import org.apache.commons.codec.language.Soundex;

public final class CommonsCodecOracle {
    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    public static void main(String[] args) throws Exception {
        DoubleMetaphone dm4 = new DoubleMetaphone();
        DoubleMetaphone dm8 = new DoubleMetaphone();
        dm8.setMaxCodeLen(8);
        Nysiis nysiisStrict = new Nysiis(true);
        Nysiis nysiisFull = new Nysiis(false);
        Soundex soundex = Soundex.US_ENGLISH;
        DaitchMokotoffSoundex dmSoundex = new DaitchMokotoffSoundex();

        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        String word;
        while ((word = in.readLine()) != null) {
            String[] row = {
                word,
                orEmpty(dm4.doubleMetaphone(word, false)),
                orEmpty(dm4.doubleMetaphone(word, true)),
                orEmpty(dm8.doubleMetaphone(word, false)),
                orEmpty(dm8.doubleMetaphone(word, true)),
                orEmpty(nysiisStrict.nysiis(word)),
                orEmpty(nysiisFull.nysiis(word)),
                orEmpty(soundex.soundex(word)),
                orEmpty(dmSoundex.soundex(word)),
            };
            out.print(String.join("\t", row));
            out.print('\n');
        }
        out.flush();
    }
}
