package dev.oprc.odgm.storage;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.oprc.odgm.proto.ValData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One object's entries packed in a single byte array, in key order: per entry a varint key
 * length, the key's UTF-8 bytes, a varint value length and the {@link ValData} protobuf bytes.
 * The memory store keeps objects this way because a map of protobuf messages costs about eight
 * times the raw bytes (a 16-byte value is a ValData, a ByteString and an array; each key a String
 * and a map node). Reads decode what they return; a lookup scans the keys (objects with more than
 * {@value #INDEXED_FROM} entries keep entry offsets for a binary search).
 *
 * <p>Immutable and thread-safe.
 */
final class PackedEntries {
  static final PackedEntries EMPTY = new PackedEntries(new byte[0], 0, null);
  private static final int INDEXED_FROM = 16;

  private final byte[] data;
  private final int count;
  private final int[] offsets; // entry starts, only for large objects

  private PackedEntries(byte[] data, int count, int[] offsets) {
    this.data = data;
    this.count = count;
    this.offsets = offsets;
  }

  /** Packs {@code entries} (any order; keys are sorted here). */
  static PackedEntries of(Map<String, ValData> entries) {
    if (entries.isEmpty()) {
      return EMPTY;
    }
    SortedMap<String, ValData> sorted = entries instanceof TreeMap<String, ValData> t ? t : new TreeMap<>(entries);
    byte[][] keys = new byte[sorted.size()][];
    int size = 0;
    int i = 0;
    for (Map.Entry<String, ValData> e : sorted.entrySet()) {
      keys[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
      int v = e.getValue().getSerializedSize();
      size += CodedOutputStream.computeUInt32SizeNoTag(keys[i].length) + keys[i].length
          + CodedOutputStream.computeUInt32SizeNoTag(v) + v;
      i++;
    }
    byte[] data = new byte[size];
    int[] offsets = sorted.size() > INDEXED_FROM ? new int[sorted.size()] : null;
    CodedOutputStream out = CodedOutputStream.newInstance(data);
    try {
      i = 0;
      for (ValData v : sorted.values()) {
        if (offsets != null) {
          offsets[i] = out.getTotalBytesWritten();
        }
        out.writeUInt32NoTag(keys[i].length);
        out.writeRawBytes(keys[i]);
        out.writeUInt32NoTag(v.getSerializedSize());
        v.writeTo(out);
        i++;
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("packing entries", e); // sizes were computed above: cannot happen
    }
    return new PackedEntries(data, sorted.size(), offsets);
  }

  int size() {
    return count;
  }

  /** The value of {@code key}, or null. */
  ValData get(String key) {
    if (count == 0) {
      return null;
    }
    if (offsets != null) {
      return binarySearch(key);
    }
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int pos = 0;
    for (int i = 0; i < count; i++) {
      long kv = varint(pos);
      int klen = (int) kv;
      int kstart = (int) (kv >>> 32);
      long vv = varint(kstart + klen);
      int vlen = (int) vv;
      int vstart = (int) (vv >>> 32);
      if (klen == k.length && Arrays.equals(data, kstart, kstart + klen, k, 0, k.length)) {
        return parse(vstart, vlen);
      }
      pos = vstart + vlen;
    }
    return null;
  }

  private ValData binarySearch(String key) {
    int lo = 0;
    int hi = count - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long kv = varint(offsets[mid]);
      int klen = (int) kv;
      int kstart = (int) (kv >>> 32);
      int c = new String(data, kstart, klen, StandardCharsets.UTF_8).compareTo(key);
      if (c == 0) {
        long vv = varint(kstart + klen);
        return parse((int) (vv >>> 32), (int) vv);
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** Every entry, decoded, in key order (a new map the caller may change). */
  java.util.NavigableMap<String, ValData> toSortedMap() {
    TreeMap<String, ValData> out = new TreeMap<>();
    int pos = 0;
    for (int i = 0; i < count; i++) {
      long kv = varint(pos);
      int klen = (int) kv;
      int kstart = (int) (kv >>> 32);
      long vv = varint(kstart + klen);
      int vlen = (int) vv;
      int vstart = (int) (vv >>> 32);
      out.put(new String(data, kstart, klen, StandardCharsets.UTF_8), parse(vstart, vlen));
      pos = vstart + vlen;
    }
    return out;
  }

  /**
   * A copy with {@code puts} set and {@code removes} removed (a key in both is removed). Unchanged
   * entries are copied as bytes, not decoded.
   */
  PackedEntries with(Map<String, ValData> puts, Collection<String> removes) {
    if (puts.isEmpty() && removes.isEmpty()) {
      return this;
    }
    TreeMap<String, ValData> sets = new TreeMap<>(puts);
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(data.length + 32 * sets.size());
    int n = 0;
    int pos = 0;
    for (int i = 0; i < count; i++) {
      long kv = varint(pos);
      int kstart = (int) (kv >>> 32);
      String key = new String(data, kstart, (int) kv, StandardCharsets.UTF_8);
      long vv = varint(kstart + (int) kv);
      int end = (int) (vv >>> 32) + (int) vv;
      n += emitSetsBefore(sets, key, removes, buf);
      ValData replaced = sets.remove(key);
      if (replaced != null && !removes.contains(key)) {
        writeEntry(buf, key, replaced);
        n++;
      } else if (replaced == null && !removes.contains(key)) {
        buf.write(data, pos, end - pos);
        n++;
      }
      pos = end;
    }
    n += emitSetsBefore(sets, null, removes, buf);
    return n == 0 ? EMPTY : fromPacked(buf.toByteArray(), n);
  }

  /** Writes (and drops from {@code sets}) the sets whose keys sort before {@code bound} (null: all). */
  private static int emitSetsBefore(java.util.NavigableMap<String, ValData> sets, String bound, Collection<String> removes,
      java.io.ByteArrayOutputStream buf) {
    int n = 0;
    Map.Entry<String, ValData> e;
    while ((e = sets.firstEntry()) != null && (bound == null || e.getKey().compareTo(bound) < 0)) {
      sets.pollFirstEntry();
      if (!removes.contains(e.getKey())) {
        writeEntry(buf, e.getKey(), e.getValue());
        n++;
      }
    }
    return n;
  }

  private static void writeEntry(java.io.ByteArrayOutputStream buf, String key, ValData v) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int vlen = v.getSerializedSize();
    byte[] entry = new byte[CodedOutputStream.computeUInt32SizeNoTag(k.length) + k.length
        + CodedOutputStream.computeUInt32SizeNoTag(vlen) + vlen];
    CodedOutputStream out = CodedOutputStream.newInstance(entry);
    try {
      out.writeUInt32NoTag(k.length);
      out.writeRawBytes(k);
      out.writeUInt32NoTag(vlen);
      v.writeTo(out);
    } catch (IOException ex) {
      throw new UncheckedIOException("packing an entry", ex); // sized above: cannot happen
    }
    buf.write(entry, 0, entry.length);
  }

  /** Wraps packed bytes of {@code n} entries, indexing them when there are many. */
  private static PackedEntries fromPacked(byte[] data, int n) {
    PackedEntries p = new PackedEntries(data, n, null);
    if (n <= INDEXED_FROM) {
      return p;
    }
    int[] offsets = new int[n];
    int pos = 0;
    for (int i = 0; i < n; i++) {
      offsets[i] = pos;
      long kv = p.varint(pos);
      long vv = p.varint((int) (kv >>> 32) + (int) kv);
      pos = (int) (vv >>> 32) + (int) vv;
    }
    return new PackedEntries(data, n, offsets);
  }

  private ValData parse(int start, int len) {
    try {
      return ValData.parseFrom(CodedInputStream.newInstance(data, start, len));
    } catch (IOException e) {
      throw new IllegalStateException("packed entry at " + start + " is corrupt", e); // we wrote it
    }
  }

  /** The varint at {@code pos}: its value in the low 32 bits, the position after it in the high 32. */
  private long varint(int pos) {
    int result = 0;
    int shift = 0;
    while (true) {
      byte b = data[pos++];
      result |= (b & 0x7F) << shift;
      if (b >= 0) {
        return (result & 0xFFFF_FFFFL) | ((long) pos << 32);
      }
      shift += 7;
    }
  }
}
