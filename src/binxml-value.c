/*
 * binxml-value.c: substitution values rendered as libevtx 20181227 does.
 *
 * libevtx formats values with its bundled libfvalue, libfdatetime, libfguid,
 * libfwnt and libuna. The reference decoder reads that text back through
 * libxml2, so what must match is the text after XML parsing. The quirks
 * kept on purpose, because the differential test compares both paths:
 *  - signed integers: libfvalue clears the sign bit and prints the rest,
 *    so int32 -1 renders "-2147483647" (and INT_MIN "-2147483648");
 *  - UTF-16: see binxml_render_utf16 in binxml.h;
 *  - hexadecimal integers are zero padded to their width, lower case;
 *  - FILETIME has nine fractional digits (the last two always 0).
 * Values libevtx formats with code this file does not reproduce (floating
 * point, ANSI strings outside printable ASCII, dates past 9999) return
 * BINXML_FALLBACK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "binxml.h"
#include "little-endian.h"

/* "00" to "99": decimal digits two at a time. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* Hexadecimal digits; with 0x20 added, the letters are lower case. */
static const char hex_upper[] = "0123456789ABCDEF";

int
text_grow(struct text_buffer *text, size_t extra)
{
	size_t	 size;
	char	*grown;

	size = text->allocated ? text->allocated : 16384;
	while (size - text->used < extra)
		size *= 2;
	if ((grown = realloc(text->data, size)) == NULL)
		return -1;
	text->data = grown;
	text->allocated = size;
	return 0;
}

void
text_free(struct text_buffer *text)
{
	free(text->data);
	text->data = NULL;
	text->used = text->allocated = 0;
}

/*
 * Append an unsigned decimal number; the caller reserved 20 bytes. Digits
 * come two at a time, from the end of a scratch buffer, and 32-bit
 * division takes over as soon as the value fits (it is much cheaper).
 */
static void
put_decimal(struct text_buffer *text, uint64_t value)
{
	char		digits[20], *p = digits + sizeof(digits);
	uint32_t	small;
	size_t		n;

	if (value < 10) {
		text->data[text->used++] = (char)('0' + value);
		return;
	}
	while (value > 0xffffffffU) {
		p -= 2;
		memcpy(p, digit_pairs + value % 100 * 2, 2);
		value /= 100;
	}
	for (small = (uint32_t)value; small >= 100; small /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + small % 100 * 2, 2);
	}
	if (small >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + small * 2, 2);
	} else
		*--p = (char)('0' + small);
	n = (size_t)(digits + sizeof(digits) - p);
	memcpy(text->data + text->used, p, n);
	text->used += n;
}

/*
 * Write the 32 hexadecimal digits of the 16 bytes at bytes to out, two a
 * byte, high nibble first; letters from a when lower, else from A.
 */
static void
hex_digits16(char *out, const uint8_t *bytes, int lower)
{
#ifdef __SSE2__
	const __m128i	nibble = _mm_set1_epi8(0x0f);
	const __m128i	nine = _mm_set1_epi8(9);
	const __m128i	letters = _mm_set1_epi8(lower ? 'a' - '0' - 10 :
			    'A' - '0' - 10);
	const __m128i	zero = _mm_set1_epi8('0');
	__m128i		in, high, low, digits;

	in = _mm_loadu_si128((const __m128i *)bytes);
	high = _mm_and_si128(_mm_srli_epi16(in, 4), nibble);
	low = _mm_and_si128(in, nibble);
	/* Each nibble to '0' + n, plus the gap to the letters above 9. */
	digits = _mm_unpacklo_epi8(high, low);
	digits = _mm_add_epi8(_mm_add_epi8(digits, zero),
	    _mm_and_si128(_mm_cmpgt_epi8(digits, nine), letters));
	_mm_storeu_si128((__m128i *)out, digits);
	digits = _mm_unpackhi_epi8(high, low);
	digits = _mm_add_epi8(_mm_add_epi8(digits, zero),
	    _mm_and_si128(_mm_cmpgt_epi8(digits, nine), letters));
	_mm_storeu_si128((__m128i *)(out + 16), digits);
#else
	char	case_bit = lower ? 0x20 : 0;
	int	i;

	for (i = 0; i < 16; i++) {
		out[i * 2] = hex_upper[bytes[i] >> 4] | case_bit;
		out[i * 2 + 1] = hex_upper[bytes[i] & 0xf] | case_bit;
	}
#endif
}

/*
 * Append value as 0x and width hexadecimal digits, lower case: the
 * value's bytes most significant first, converted in one go, of which
 * the last width digits are kept.
 */
static void
put_hex(struct text_buffer *text, uint64_t value, int width)
{
	uint8_t	bytes[16];
	char	digits[32];
	int	i;

	memset(bytes, 0, 8);
	for (i = 0; i < 8; i++)
		bytes[8 + i] = (uint8_t)(value >> (56 - 8 * i));
	hex_digits16(digits, bytes, 1);
	text->data[text->used] = '0';
	text->data[text->used + 1] = 'x';
	memcpy(text->data + text->used + 2, digits + 32 - width, (size_t)width);
	text->used += (size_t)width + 2;
}

/* Append n digits of value, zero padded. */
static void
put_padded(struct text_buffer *text, unsigned value, int n)
{
	int	i;

	for (i = n - 1; i >= 0; i--) {
		text->data[text->used + i] = (char)('0' + value % 10);
		value /= 10;
	}
	text->used += n;
}

/*
 * A signed integer of bits width as libfvalue prints it: when the sign bit
 * is set it is cleared and the remaining bits are printed after a minus
 * (a zero remainder keeps the bit), which is not two's complement.
 */
static void
put_signed_like_libfvalue(struct text_buffer *text, uint64_t value, int bits)
{
	uint64_t	sign = (uint64_t)1 << (bits - 1);

	if (value & sign) {
		value &= ~sign;
		if (value == 0)
			value = sign;
		text->data[text->used++] = '-';
	}
	put_decimal(text, value);
}

/* Append one Unicode code point as UTF-8 the way libuna encodes it. */
static void
put_code_point(struct text_buffer *text, uint32_t c)
{
	char	*out = text->data + text->used;

	if (c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80) {
		out[0] = (char)c;
		text->used += 1;
	} else if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		text->used += 2;
	} else if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		text->used += 3;
	} else {
		out[0] = (char)(0xf0 | c >> 18);
		out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[3] = (char)(0x80 | (c & 0x3f));
		text->used += 4;
	}
}

/*
 * Copy the run of ASCII code units (1 to 0x7f) at the start of the size
 * bytes of UTF-16LE at data to out, one byte each; returns how many.
 * out has room for size / 2 bytes, rounded up to a multiple of 8.
 */
static size_t
copy_ascii(char *out, const uint8_t *data, size_t size)
{
	size_t		n = 0, i;
	uint64_t	units;

#ifdef __SSE2__
	const __m128i	high = _mm_set1_epi16((short)0xff80);
	const __m128i	zero = _mm_setzero_si128();
	__m128i		block, ascii;
	unsigned	good;

	/* Eight at a time: packed to bytes, kept up to the first other. */
	for (; (n + 8) * 2 <= size; n += 8) {
		block = _mm_loadu_si128((const __m128i *)(data + n * 2));
		ascii = _mm_andnot_si128(_mm_cmpeq_epi16(block, zero),
		    _mm_cmpeq_epi16(_mm_and_si128(block, high), zero));
		_mm_storel_epi64((__m128i *)(out + n), _mm_packus_epi16(block, block));
		good = (unsigned)_mm_movemask_epi8(ascii);
		if (good != 0xffff)
			return n + (size_t)__builtin_ctz(~good) / 2;
	}
	/* The last eight, overlapping those done, when all are ASCII. */
	if (n > 0 && n * 2 < size) {
		block = _mm_loadu_si128((const __m128i *)(data + size - 16));
		ascii = _mm_andnot_si128(_mm_cmpeq_epi16(block, zero),
		    _mm_cmpeq_epi16(_mm_and_si128(block, high), zero));
		if (_mm_movemask_epi8(ascii) == 0xffff) {
			_mm_storel_epi64((__m128i *)(out + size / 2 - 8),
			    _mm_packus_epi16(block, block));
			return size / 2;
		}
	}
#endif
	/* Four at a time, then one. */
	for (; (n + 4) * 2 <= size; n += 4) {
		memcpy(&units, data + n * 2, 8);
		if ((units & 0xff80ff80ff80ff80ULL) != 0 ||
		    (units & 0x00000000000000ffULL) == 0 ||
		    (units & 0x0000000000ff0000ULL) == 0 ||
		    (units & 0x000000ff00000000ULL) == 0 ||
		    (units & 0x00ff000000000000ULL) == 0)
			break;
		for (i = 0; i < 4; i++)
			out[n + i] = (char)data[(n + i) * 2];
	}
	for (; (n + 1) * 2 <= size; n++) {
		if (data[n * 2 + 1] != 0 || data[n * 2] == 0 || data[n * 2] >= 0x80)
			break;
		out[n] = (char)data[n * 2];
	}
	return n;
}

enum binxml_result
binxml_render_utf16(struct text_buffer *text, const uint8_t *data, size_t size)
{
	size_t		i = 0, ascii;
	uint32_t	c, low;

	if (size == 0)
		return BINXML_OK;
	if (size % 2 != 0)
		return BINXML_FALLBACK;	/* libuna refuses odd sizes */
	/* At most 3 UTF-8 bytes per code unit (4 per surrogate pair). */
	if (text_reserve(text, size / 2 * 3 + 8) == -1)
		return BINXML_NO_MEMORY;
	if ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff))
		i = 2;
	/* Plain ASCII runs are the common case: copy them directly. */
	while (i + 1 < size) {
		ascii = copy_ascii(text->data + text->used, data + i, size - i);
		text->used += ascii;
		i += ascii * 2;
		if (i + 1 >= size)
			break;
		c = le16(data + i);
		if (c == 0)
			break;
		i += 2;
		if (c >= 0xd800 && c <= 0xdbff) {
			if (i + 1 >= size)
				return BINXML_FALLBACK;
			low = le16(data + i);
			i += 2;
			if (low >= 0xdc00 && low <= 0xdfff)
				c = ((c - 0xd800) << 10) + low - 0xdfff + 0x10000;
			else
				c = 0xfffd;
		} else if (c >= 0xdc00 && c <= 0xdfff)
			c = 0xfffd;
		put_code_point(text, c);
	}
	return BINXML_OK;
}

/*
 * An ANSI (codepage) string, which libevtx converts as Windows-1252 up to
 * the first NUL and does not escape in its XML. Bytes below 0x80 and from
 * 0xa0 are their own code points; 0x80-0x9f (the Windows-1252 specials)
 * and the two characters that change how that XML parses, < and &, are
 * left to libevtx.
 */
static enum binxml_result
render_ansi(struct text_buffer *text, const uint8_t *data, size_t size)
{
	size_t	i;

	if (text_reserve(text, size * 2) == -1)
		return BINXML_NO_MEMORY;
	for (i = 0; i < size && data[i] != 0; i++) {
		if (data[i] == '<' || data[i] == '&' ||
		    (data[i] >= 0x80 && data[i] < 0xa0))
			return BINXML_FALLBACK;
		put_code_point(text, data[i]);
	}
	return BINXML_OK;
}

/*
 * {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}, upper case, as libfguid prints:
 * the bytes put in printed order (the first three groups are
 * little-endian), converted in one go, and the digits cut into groups.
 */
static void
put_guid(struct text_buffer *text, const uint8_t *g)
{
	static const uint8_t	 order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
				    8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t			 bytes[16];
	char			 digits[32], *out = text->data + text->used;
	int			 i;

	for (i = 0; i < 16; i++)
		bytes[i] = g[order[i]];
	hex_digits16(digits, bytes, 0);
	out[0] = '{';
	memcpy(out + 1, digits, 8);
	out[9] = '-';
	memcpy(out + 10, digits + 8, 4);
	out[14] = '-';
	memcpy(out + 15, digits + 12, 4);
	out[19] = '-';
	memcpy(out + 20, digits + 16, 4);
	out[24] = '-';
	memcpy(out + 25, digits + 20, 12);
	out[37] = '}';
	text->used += 38;
}

/* S-R-A-S1-S2..., the authority as a 48-bit big-endian decimal. */
static enum binxml_result
render_sid(struct text_buffer *text, const uint8_t *data, size_t size)
{
	uint64_t	authority = 0;
	int		count, i;

	if (size < 8)
		return BINXML_FALLBACK;
	count = data[1];
	if (count > 15 || size != 8 + (size_t)count * 4)
		return BINXML_FALLBACK;
	if (text_reserve(text, 4 + 4 + 16 + (size_t)count * 11) == -1)
		return BINXML_NO_MEMORY;
	for (i = 2; i < 8; i++)
		authority = authority << 8 | data[i];
	text->data[text->used++] = 'S';
	text->data[text->used++] = '-';
	put_decimal(text, data[0]);
	text->data[text->used++] = '-';
	put_decimal(text, authority);
	for (i = 0; i < count; i++) {
		text->data[text->used++] = '-';
		put_decimal(text, le32(data + 8 + i * 4));
	}
	return BINXML_OK;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil_from_days(int64_t days, int *year, unsigned *month, unsigned *day)
{
	int64_t		era, z = days + 719468;
	unsigned	doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

/* Append yyyy-mm-ddThh:mm:ss for a date the caller validated. */
static void
put_date_time(struct text_buffer *text, int year, unsigned month, unsigned day,
    unsigned hour, unsigned minute, unsigned second)
{
	put_padded(text, (unsigned)year, 4);
	text->data[text->used++] = '-';
	put_padded(text, month, 2);
	text->data[text->used++] = '-';
	put_padded(text, day, 2);
	text->data[text->used++] = 'T';
	put_padded(text, hour, 2);
	text->data[text->used++] = ':';
	put_padded(text, minute, 2);
	text->data[text->used++] = ':';
	put_padded(text, second, 2);
}

/* FILETIME: 2016-06-29T15:24:34.346000000Z (nine fractional digits). */
static enum binxml_result
render_filetime(struct text_buffer *text, uint64_t filetime)
{
	uint64_t	 seconds = filetime / 10000000;
	int64_t		 days;
	unsigned	 month, day, second_of_day;
	int		 year;

	if (filetime >= BINXML_FILETIME_LIMIT)
		return BINXML_FALLBACK;
	if (text_reserve(text, 32) == -1)
		return BINXML_NO_MEMORY;
	days = (int64_t)(seconds / 86400) - 134774;	/* 1601 -> 1970 */
	second_of_day = (unsigned)(seconds % 86400);
	civil_from_days(days, &year, &month, &day);
	put_date_time(text, year, month, day, second_of_day / 3600,
	    second_of_day / 60 % 60, second_of_day % 60);
	text->data[text->used++] = '.';
	put_padded(text, (unsigned)(filetime % 10000000), 7);
	text->data[text->used++] = '0';
	text->data[text->used++] = '0';
	text->data[text->used++] = 'Z';
	return BINXML_OK;
}

/* SYSTEMTIME with milliseconds; invalid dates are libfdatetime's business. */
static enum binxml_result
render_systemtime(struct text_buffer *text, const uint8_t *data)
{
	unsigned	year = le16(data), month = le16(data + 2), day = le16(data + 6);
	unsigned	hour = le16(data + 8), minute = le16(data + 10);
	unsigned	second = le16(data + 12), milli = le16(data + 14);
	static const unsigned char days_in[13] = { 0, 31, 29, 31, 30, 31, 30,
			    31, 31, 30, 31, 30, 31 };
	int		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (year > 9999 || month == 0 || month > 12 || day == 0 ||
	    day > days_in[month] || (month == 2 && !leap && day > 28) ||
	    hour > 23 || minute > 59 || second > 59 || milli > 999)
		return BINXML_FALLBACK;
	if (text_reserve(text, 32) == -1)
		return BINXML_NO_MEMORY;
	put_date_time(text, (int)year, month, day, hour, minute, second);
	text->data[text->used++] = '.';
	put_padded(text, milli, 3);
	text->data[text->used++] = 'Z';
	return BINXML_OK;
}

/* Binary data as upper-case hexadecimal, two digits a byte. */
static enum binxml_result
render_binary(struct text_buffer *text, const uint8_t *data, size_t size)
{
	size_t	i;

	if (text_reserve(text, size * 2) == -1)
		return BINXML_NO_MEMORY;
	for (i = 0; i < size; i++) {
		text->data[text->used++] = hex_upper[data[i] >> 4];
		text->data[text->used++] = hex_upper[data[i] & 0xf];
	}
	return BINXML_OK;
}

/* The width in bytes of the fixed-size types; 0 for the others. */
static size_t
fixed_size(uint8_t type)
{
	static const uint8_t	widths[0x16] = {
		[0x03] = 1, [0x04] = 1, [0x05] = 2, [0x06] = 2,
		[0x07] = 4, [0x08] = 4, [0x0d] = 4, [0x14] = 4,
		[0x09] = 8, [0x0a] = 8, [0x11] = 8, [0x15] = 8,
		[0x0f] = 16, [0x12] = 16
	};

	return type < sizeof(widths) ? widths[type] : 0;
}

/* Integer-like types once their size is known to be right. */
static enum binxml_result
render_integer(struct text_buffer *text, uint8_t type, const uint8_t *data,
    size_t size)
{
	uint64_t	value;

	if (text_reserve(text, 24) == -1)
		return BINXML_NO_MEMORY;
	switch (size) {
	case 1:
		value = data[0];
		break;
	case 2:
		value = le16(data);
		break;
	case 4:
		value = le32(data);
		break;
	default:
		value = le64(data);
		break;
	}
	switch (type) {
	case 0x03: case 0x05: case 0x07: case 0x09:
		put_signed_like_libfvalue(text, value, (int)size * 8);
		break;
	case 0x14: case 0x15:
		put_hex(text, value, (int)size * 2);
		break;
	default:
		put_decimal(text, value);
		break;
	}
	return BINXML_OK;
}

enum binxml_result
binxml_render_value(struct text_buffer *text, uint8_t type, const uint8_t *data,
    size_t size)
{
	size_t	width;

	/* Strings first: most values are. */
	if (type == 0x01)
		return binxml_render_utf16(text, data, size);
	if ((width = fixed_size(type)) != 0 && size != width)
		return BINXML_FALLBACK;
	switch (type) {
	case 0x01:
		return binxml_render_utf16(text, data, size);
	case 0x02:
		return render_ansi(text, data, size);
	case 0x03: case 0x04: case 0x05: case 0x06: case 0x07: case 0x08:
	case 0x09: case 0x0a: case 0x14: case 0x15:
		return render_integer(text, type, data, size);
	case 0x0d:
		if (text_reserve(text, 5) == -1)
			return BINXML_NO_MEMORY;
		memcpy(text->data + text->used, le32(data) ? "true" : "false",
		    le32(data) ? 4 : 5);
		text->used += le32(data) ? 4 : 5;
		return BINXML_OK;
	case 0x0e:
		return render_binary(text, data, size);
	case 0x0f:
		if (text_reserve(text, 38) == -1)
			return BINXML_NO_MEMORY;
		put_guid(text, data);
		return BINXML_OK;
	case 0x10:
		if (size != 4 && size != 8)
			return BINXML_FALLBACK;
		return render_integer(text, 0x0a, data, size);
	case 0x11:
		return render_filetime(text, le64(data));
	case 0x12:
		return render_systemtime(text, data);
	case 0x13:
		return render_sid(text, data, size);
	default:
		return BINXML_FALLBACK;	/* floats, unknown types */
	}
}
