/* What an SMS draft costs: a port of channels_sms/segments.py (3GPP TS 23.038/23.040).
   A text that fits the GSM 7-bit alphabet travels in 160-character segments (153 once
   concatenated, extension characters counting twice); anything else as UCS-2 in 70
   UTF-16 code units (67 concatenated), never splitting an escape or a surrogate pair.
   web/tests/test_segments_js.py runs this file under node against the Python rules. */
(function (root) {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";
  var LIMITS = { gsm7: [160, 153], ucs2: [70, 67] };
  var LABELS = { gsm7: "GSM-7", ucs2: "UCS-2" };

  function chars(text) { return Array.from(text); } // code points, like Python's str

  function encoding(text) {
    return chars(text).every(function (c) {
      return BASIC.indexOf(c) !== -1 || EXTENSION.indexOf(c) !== -1;
    }) ? "gsm7" : "ucs2";
  }

  function units(c, scheme) {
    if (scheme === "gsm7") { return EXTENSION.indexOf(c) !== -1 ? 2 : 1; }
    return c.codePointAt(0) > 0xFFFF ? 2 : 1;
  }

  function splitParts(text) {
    var scheme = encoding(text), list = chars(text);
    var single = LIMITS[scheme][0], concatenated = LIMITS[scheme][1];
    var total = list.reduce(function (sum, c) { return sum + units(c, scheme); }, 0);
    if (total <= single) { return [text]; }
    var parts = [], current = "", used = 0;
    list.forEach(function (c) {
      var size = units(c, scheme);
      if (used + size > concatenated) { parts.push(current); current = ""; used = 0; }
      current += c; used += size;
    });
    parts.push(current);
    return parts;
  }

  function summary(text) {
    return {
      encoding: LABELS[encoding(text)],
      segments: text ? splitParts(text).length : 1,
      characters: chars(text).length
    };
  }

  var api = { encoding: encoding, splitParts: splitParts, summary: summary };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  else { root.InstaplySegments = api; }
})(this);
