package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Zenoh encoding of a payload: a predefined numeric id (0..52, as in Zenoh's encoding table) plus an
 * optional schema string (e.g. {@code text/plain;utf-8} is id 4 with schema {@code utf-8}).
 * Unknown MIME strings use id {@value #CUSTOM_ID} with the whole string as schema, as Zenoh does.
 * Immutable value; thread-safe.
 *
 * @param id     encoding id, 0..65535
 * @param schema optional schema (≤ 255 UTF-8 bytes), or null
 */
public record Encoding(int id, String schema) {
    /** Id Zenoh uses for a MIME type that is not in its predefined table. */
    public static final int CUSTOM_ID = 0xFFFF;

    private static final String[] NAMES = {
            "zenoh/bytes",
            "zenoh/string",
            "zenoh/serialized",
            "application/octet-stream",
            "text/plain",
            "application/json",
            "text/json",
            "application/cdr",
            "application/cbor",
            "application/yaml",
            "text/yaml",
            "text/json5",
            "application/python-serialized-object",
            "application/protobuf",
            "application/java-serialized-object",
            "application/openmetrics-text",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/bmp",
            "image/webp",
            "application/xml",
            "application/x-www-form-urlencoded",
            "text/html",
            "text/xml",
            "text/css",
            "text/javascript",
            "text/markdown",
            "text/csv",
            "application/sql",
            "application/coap-payload",
            "application/json-patch+json",
            "application/json-seq",
            "application/jsonpath",
            "application/jwt",
            "application/mp4",
            "application/soap+xml",
            "application/yang",
            "audio/aac",
            "audio/flac",
            "audio/mp4",
            "audio/ogg",
            "audio/vorbis",
            "video/h261",
            "video/h263",
            "video/h264",
            "video/h265",
            "video/h266",
            "video/mp4",
            "video/ogg",
            "video/raw",
            "video/vp8",
            "video/vp9"
    };
    private static final Map<String, Integer> IDS = new HashMap<>();

    static {
        for (int i = 0; i < NAMES.length; i++) {
            IDS.put(NAMES[i], i);
        }
    }

    public static final Encoding ZENOH_BYTES = new Encoding(0, null);
    public static final Encoding ZENOH_STRING = new Encoding(1, null);
    public static final Encoding ZENOH_SERIALIZED = new Encoding(2, null);
    public static final Encoding APPLICATION_OCTET_STREAM = new Encoding(3, null);
    public static final Encoding TEXT_PLAIN = new Encoding(4, null);
    public static final Encoding APPLICATION_JSON = new Encoding(5, null);
    public static final Encoding TEXT_JSON = new Encoding(6, null);
    public static final Encoding APPLICATION_CDR = new Encoding(7, null);
    public static final Encoding APPLICATION_CBOR = new Encoding(8, null);
    public static final Encoding APPLICATION_YAML = new Encoding(9, null);
    public static final Encoding TEXT_YAML = new Encoding(10, null);
    public static final Encoding TEXT_JSON5 = new Encoding(11, null);
    public static final Encoding APPLICATION_PYTHON_SERIALIZED_OBJECT = new Encoding(12, null);
    public static final Encoding APPLICATION_PROTOBUF = new Encoding(13, null);
    public static final Encoding APPLICATION_JAVA_SERIALIZED_OBJECT = new Encoding(14, null);
    public static final Encoding APPLICATION_OPENMETRICS_TEXT = new Encoding(15, null);
    public static final Encoding IMAGE_PNG = new Encoding(16, null);
    public static final Encoding IMAGE_JPEG = new Encoding(17, null);
    public static final Encoding IMAGE_GIF = new Encoding(18, null);
    public static final Encoding IMAGE_BMP = new Encoding(19, null);
    public static final Encoding IMAGE_WEBP = new Encoding(20, null);
    public static final Encoding APPLICATION_XML = new Encoding(21, null);
    public static final Encoding APPLICATION_X_WWW_FORM_URLENCODED = new Encoding(22, null);
    public static final Encoding TEXT_HTML = new Encoding(23, null);
    public static final Encoding TEXT_XML = new Encoding(24, null);
    public static final Encoding TEXT_CSS = new Encoding(25, null);
    public static final Encoding TEXT_JAVASCRIPT = new Encoding(26, null);
    public static final Encoding TEXT_MARKDOWN = new Encoding(27, null);
    public static final Encoding TEXT_CSV = new Encoding(28, null);
    public static final Encoding APPLICATION_SQL = new Encoding(29, null);
    public static final Encoding APPLICATION_COAP_PAYLOAD = new Encoding(30, null);
    public static final Encoding APPLICATION_JSON_PATCH_JSON = new Encoding(31, null);
    public static final Encoding APPLICATION_JSON_SEQ = new Encoding(32, null);
    public static final Encoding APPLICATION_JSONPATH = new Encoding(33, null);
    public static final Encoding APPLICATION_JWT = new Encoding(34, null);
    public static final Encoding APPLICATION_MP4 = new Encoding(35, null);
    public static final Encoding APPLICATION_SOAP_XML = new Encoding(36, null);
    public static final Encoding APPLICATION_YANG = new Encoding(37, null);
    public static final Encoding AUDIO_AAC = new Encoding(38, null);
    public static final Encoding AUDIO_FLAC = new Encoding(39, null);
    public static final Encoding AUDIO_MP4 = new Encoding(40, null);
    public static final Encoding AUDIO_OGG = new Encoding(41, null);
    public static final Encoding AUDIO_VORBIS = new Encoding(42, null);
    public static final Encoding VIDEO_H261 = new Encoding(43, null);
    public static final Encoding VIDEO_H263 = new Encoding(44, null);
    public static final Encoding VIDEO_H264 = new Encoding(45, null);
    public static final Encoding VIDEO_H265 = new Encoding(46, null);
    public static final Encoding VIDEO_H266 = new Encoding(47, null);
    public static final Encoding VIDEO_MP4 = new Encoding(48, null);
    public static final Encoding VIDEO_OGG = new Encoding(49, null);
    public static final Encoding VIDEO_RAW = new Encoding(50, null);
    public static final Encoding VIDEO_VP8 = new Encoding(51, null);
    public static final Encoding VIDEO_VP9 = new Encoding(52, null);

    public Encoding {
        if (id < 0 || id > 0xFFFF) {
            throw new IllegalArgumentException("encoding id must be 0..65535, got " + id);
        }
        if (schema != null && schema.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("encoding schema longer than 255 bytes: '" + schema + "'");
        }
    }

    /** The default encoding ({@code zenoh/bytes}), sent as "no encoding" on the wire. */
    public static Encoding defaultEncoding() {
        return ZENOH_BYTES;
    }

    /** This encoding with the given schema, e.g. {@code TEXT_PLAIN.withSchema("utf-8")}. */
    public Encoding withSchema(String newSchema) {
        return new Encoding(id, newSchema);
    }

    /**
     * Parses the Zenoh string form: text before {@code ;} is looked up in the predefined table,
     * text after it is the schema; an unknown type becomes id {@value #CUSTOM_ID} with the whole
     * string as schema.
     */
    public static Encoding fromString(String s) {
        if (s == null || s.isEmpty()) {
            return ZENOH_BYTES;
        }
        int semi = s.indexOf(';');
        String type = semi < 0 ? s : s.substring(0, semi);
        Integer known = IDS.get(type);
        if (known == null) {
            return new Encoding(CUSTOM_ID, s);
        }
        return new Encoding(known, semi < 0 ? null : s.substring(semi + 1));
    }

    /** The Zenoh string form, e.g. {@code application/json} or {@code text/plain;utf-8}. */
    @Override
    public String toString() {
        if (id == CUSTOM_ID && schema != null) {
            return schema;
        }
        String base = id < NAMES.length ? NAMES[id] : "zenoh/unknown-" + id;
        return schema == null ? base : base + ";" + schema;
    }
}
