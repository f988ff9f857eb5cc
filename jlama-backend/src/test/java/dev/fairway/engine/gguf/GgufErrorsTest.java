package dev.fairway.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated, corrupt and unsupported files give one clear error; every metadata value type reads back. */
class GgufErrorsTest {
    @TempDir
    Path tmp;

    static Path shared(String name) {
        return GgufDequantTest.dir().resolve(name);
    }

    @Test
    void truncatedTensorDataNamesTheTensor() throws IOException {
        byte[] all = Files.readAllBytes(shared("stories260K-Q8_0.gguf"));
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, all.length - 1000));
        assertThatThrownBy(() -> GgufFile.open(cut))
                .isInstanceOf(GgufException.class)
                .hasMessageContaining("cut.gguf")
                .hasMessageContaining("truncated: tensor ")
                .hasMessageContaining("ends past the end of the file");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] all = Files.readAllBytes(shared("stories260K-Q8_0.gguf"));
        for (int n : new int[] {0, 3, 10, 100, 5000}) {
            Path cut = tmp.resolve("h" + n + ".gguf");
            Files.write(cut, Arrays.copyOf(all, n));
            assertThatThrownBy(() -> GgufFile.open(cut))
                    .as("%d bytes", n)
                    .isInstanceOf(GgufException.class)
                    .hasMessageContaining("Cannot read GGUF file");
        }
    }

    @Test
    void notGguf() throws IOException {
        Path p = tmp.resolve("x.gguf");
        Files.writeString(p, "{\"this\": \"is json\"}");
        assertThatThrownBy(() -> GgufFile.open(p)).hasMessageContaining("not a GGUF file");
    }

    @Test
    void corruptStringLength() throws IOException {
        byte[] all = Files.readAllBytes(shared("stories260K-Q8_0.gguf"));
        // first key's length (u64 at offset 24): an absurd value
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 40);
        Path p = tmp.resolve("bad.gguf");
        Files.write(p, all);
        assertThatThrownBy(() -> GgufFile.open(p))
                .isInstanceOf(GgufException.class)
                .hasMessageContaining("corrupt length");
    }

    @Test
    void unsupportedTypeNamesTensorAndType() throws IOException {
        Path p = tmp.resolve("iq.gguf");
        Files.write(p, tinyFile(GgmlType.IQ2_XS, 256));
        try (GgufFile f = GgufFile.open(p)) {
            GgufTensor t = f.tensor("blk.0.attn_q.weight");
            assertThat(t.type()).isEqualTo(GgmlType.IQ2_XS);
            assertThatThrownBy(() -> f.floats(t))
                    .isInstanceOf(GgufException.class)
                    .hasMessage(
                            "Tensor blk.0.attn_q.weight has ggml type IQ2_XS, which Fairway cannot read (supported: "
                                    + "F32, F16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K, BF16)");
        }
    }

    @Test
    void everyMetadataTypeReadsBack() throws IOException {
        Path p = tmp.resolve("md.gguf");
        Files.write(p, tinyFile(GgmlType.F32, 4));
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.get("u8")).isEqualTo(200);
            assertThat(f.get("i8")).isEqualTo(-5);
            assertThat(f.get("u16")).isEqualTo(60000);
            assertThat(f.get("i16")).isEqualTo(-300);
            assertThat(f.uint("u32", 0)).isEqualTo(4_000_000_000L);
            assertThat(f.get("i32")).isEqualTo(-7);
            assertThat(f.get("f32")).isEqualTo(1.5f);
            assertThat(f.get("bool")).isEqualTo(true);
            assertThat(f.get("str")).isEqualTo("héllo");
            assertThat(f.get("u64")).isEqualTo(1L << 40);
            assertThat(f.get("i64")).isEqualTo(-(1L << 40));
            assertThat(f.get("f64")).isEqualTo(2.25);
            assertThat((int[]) f.get("arr_i32")).containsExactly(1, 2, 3);
            assertThat((String[]) f.get("arr_str")).containsExactly("a", "bc");
            assertThat((Object[]) f.get("arr_arr")).hasSize(1);
            assertThat(f.floats(f.tensor("blk.0.attn_q.weight"))).containsExactly(0f, 1f, 2f, 3f);
        }
    }

    /** A version-3 file with one metadata key of every type and one tensor of {@code type} (n values). */
    static byte[] tinyFile(GgmlType type, int n) {
        Out o = new Out();
        o.i32(0x46554747).i32(3).i64(1).i64(16);
        o.key("u8", 0).b(200);
        o.key("i8", 1).b(-5);
        o.key("u16", 2).i16(60000);
        o.key("i16", 3).i16(-300);
        o.key("u32", 4).i32((int) 4_000_000_000L);
        o.key("i32", 5).i32(-7);
        o.key("f32", 6).i32(Float.floatToIntBits(1.5f));
        o.key("bool", 7).b(1);
        o.key("str", 8).str("héllo");
        o.key("u64", 10).i64(1L << 40);
        o.key("i64", 11).i64(-(1L << 40));
        o.key("f64", 12).i64(Double.doubleToLongBits(2.25));
        o.key("arr_i32", 9).i32(5).i64(3).i32(1).i32(2).i32(3);
        o.key("arr_str", 9).i32(8).i64(2).str("a").str("bc");
        o.key("arr_arr", 9).i32(9).i64(1).i32(0).i64(2).b(1).b(2);
        o.key("general.alignment", 4).i32(32);
        o.str("blk.0.attn_q.weight").i32(1).i64(n).i32(type.id).i64(0);
        while (o.size() % 32 != 0) o.b(0);
        if (type == GgmlType.F32) for (int i = 0; i < n; i++) o.i32(Float.floatToIntBits(i));
        else for (long i = 0; i < type.bytesFor(n); i++) o.b(1);
        return o.toByteArray();
    }

    private static final class Out extends ByteArrayOutputStream {
        Out b(int v) {
            write(v);
            return this;
        }

        Out i16(int v) {
            return b(v).b(v >> 8);
        }

        Out i32(int v) {
            return i16(v).i16(v >> 16);
        }

        Out i64(long v) {
            return i32((int) v).i32((int) (v >> 32));
        }

        Out str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            writeBytes(u);
            return this;
        }

        Out key(String k, int type) {
            return str(k).i32(type);
        }
    }
}
