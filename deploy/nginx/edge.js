// The CDN-grade edge: nginx's njs checks the portal's stream tokens on every playlist,
// segment and caption request, then serves the file from the origin without Django.
//
// The same grammar, keys, path and viewer binding, and the same refusals (codes, messages,
// statuses and order) as the portal's own edge (playback/views.edge_file, playback/tokens.py);
// tests/test_edge_tokens.py runs one set of token tests against both. What this edge cannot
// read from the portal it takes from the signed grant cookie (playback/grants.py): that this
// browser's sign-in is the token's viewer, and where the session's files live. Ended sessions are refused after
// these checks, by nginx.conf, from marker files `manage.py edge_revocations` keeps current.
//
// Configuration (edge-config.json, rendered by `manage.py edge_config`, readable by nginx
// only): {"keys": {kid: secret}, "session_cookie": name}.

var crypto = require('crypto');

var UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
var TOKEN = new RegExp(
    '^kid=([A-Za-z0-9_-]{1,16})~exp=([1-9][0-9]{0,11})~acl=(/edge/' + UUID + '/)' +
    '~ctx=([0-9a-f]{32})~tid=(' + UUID + ')~hmac=([0-9a-f]{64})$');
var GRANT = new RegExp(
    '^kid=([A-Za-z0-9_-]{1,16})~exp=([1-9][0-9]{0,11})~acl=(/edge/' + UUID + '/)' +
    '~ctx=([0-9a-f]{32})~org=(local|s3|portal):([A-Za-z0-9._+~/-]{0,700})~hmac=([0-9a-f]{64})$');
var TOKEN_MAX = 256;
var GRANT_MAX = 1024;
var SIGNATURE_TAIL = '~hmac='.length + 64;
// At most eight plain names joined by '/': no leading dot (so no '.' or '..'), no
// empty name, no percent sign or backslash (streaming_portal/infra/origin.py's rule).
var PLAIN_PATH = /^(?:[A-Za-z0-9_+~-][A-Za-z0-9._+~-]{0,127}\/){0,7}[A-Za-z0-9_+~-][A-Za-z0-9._+~-]{0,127}$/;
var CAPTION = new RegExp('^captions/' + UUID + '\\.vtt$');
var THUMBS = 'thumbs/';
var MAX_PATH_LENGTH = 512;
var MASTER = 'master.m3u8';
var ORIGINS = {local: '/_origin/local/', s3: '/_origin/s3/'};

var REFUSALS = {
    token_missing: [403, 'No playback token came with this request.'],
    token_malformed: [403, 'The playback token is malformed.'],
    token_unknown_key: [403, 'The playback token was signed with a retired key.'],
    token_bad_signature: [403, "The playback token's signature does not match."],
    token_expired: [403, 'The playback token has expired.'],
    token_wrong_path: [403, 'The playback token does not open this address.'],
    token_other_viewer: [403, 'The playback token belongs to another viewer.'],
    token_revoked: [403, 'This viewing session has ended; its playback token is revoked.'],
    not_found: [404, 'No such file for this session.'],
};

function refuse(r, code) {
    var refusal = REFUSALS[code];
    r.headersOut['Content-Type'] = 'application/json';
    r.headersOut['Cache-Control'] = 'no-store';
    r.return(refusal[0], JSON.stringify({error: {code: code, message: refusal[1]}}));
}

function hmacHex(secret, text) {
    return crypto.createHmac('sha256', secret).update(text).digest('hex');
}

// Constant time for equal lengths of lower-case hex (the grammar's signatures), as the portal's
// edge compares them: eight 32-bit words XORed together, never an early exit at the first
// differing character. (A loop over 64 characters costs njs five times as long.)
function same(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    var difference = 0;
    for (var i = 0; i < a.length; i += 8) {
        difference |= parseInt(a.substr(i, 8), 16) ^ parseInt(b.substr(i, 8), 16);
    }
    return difference === 0;
}

// A cookie as Django's parser reads it: a value Django had to quote arrives in double quotes.
function cookie(r, name) {
    var value = r.variables['cookie_' + name];
    if (value && value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') {
        value = value.slice(1, -1);
    }
    return value || '';
}

function secretOf(config, kid) {
    return Object.prototype.hasOwnProperty.call(config.keys, kid) ? config.keys[kid] : null;
}

// The request's path, percent-decoded but not normalised: what Django routes and checks. A
// path that does not decode keeps its raw text, which no plain path matches (a 404 later).
function requestPath(r) {
    var raw = r.variables.request_uri.split('?')[0];
    try {
        return decodeURIComponent(raw);
    } catch (e) {
        return raw;
    }
}

// A cookie named twice (another path's, a sibling domain's) is never "the first one wins":
// the request is refused as the portal's edge refuses it.
var NAMED = {edge_token: /(^|;)\s*edge_token=/g, edge_grant: /(^|;)\s*edge_grant=/g};
function repeated(r, name) {
    var matches = (r.headersIn.Cookie || '').match(NAMED[name]);
    return matches !== null && matches.length > 1;
}

// The session's origin if the grant goes with this token and was issued to this browser's
// sign-in (its signature covers the sign-in cookie), else null: one HMAC.
function grantedOrigin(r, token, secret, signin) {
    var value = cookie(r, 'edge_grant');
    var match = value.length <= GRANT_MAX && !repeated(r, 'edge_grant') ? GRANT.exec(value) : null;
    if (!match || match[1] !== token.kid || match[3] !== token.acl || match[4] !== token.ctx) {
        return null;
    }
    if (Number(match[2]) <= Date.now() / 1000) {
        return null;
    }
    var payload = value.slice(0, value.length - SIGNATURE_TAIL);
    if (!same(hmacHex(secret, payload + '~signin=' + signin), match[7])) {
        return null;
    }
    // The portal writes only plain paths here; checked again, as a signature is not a rule.
    return plainPath(match[6]) || match[5] === 'portal' ? {origin: match[5], master: match[6]} : null;
}

// A plain relative path that cannot leave its folder (streaming_portal/infra/origin.py).
function plainPath(path) {
    return path.length <= MAX_PATH_LENGTH && PLAIN_PATH.test(path);
}

// Where a session path leads inside its origin, or null if it names nothing the session owns.
function originPath(master, rest) {
    if (rest === MASTER) {
        return master;
    }
    if (!plainPath(rest) || rest.indexOf('captions/') === 0) {
        return null;
    }
    return master.slice(0, master.lastIndexOf('/') + 1) + rest;
}

function serve(r) {
    if (r.method !== 'GET' && r.method !== 'HEAD') {
        r.headersOut['Allow'] = 'GET, HEAD';
        r.headersOut['Content-Type'] = 'application/json';
        return r.return(405, JSON.stringify({error: {code: 'method_not_allowed',
            message: 'The edge answers GET and HEAD only.'}}));
    }
    var config = edge_config;
    var value = cookie(r, 'edge_token');
    var signin = cookie(r, config.session_cookie);
    if (!value || !signin) {
        return refuse(r, 'token_missing');
    }
    var match = value.length <= TOKEN_MAX && !repeated(r, 'edge_token') ? TOKEN.exec(value) : null;
    if (!match) {
        return refuse(r, 'token_malformed');
    }
    var token = {kid: match[1], exp: Number(match[2]), acl: match[3], ctx: match[4]};
    var secret = secretOf(config, token.kid);
    if (secret === null) {
        return refuse(r, 'token_unknown_key');
    }
    if (!same(hmacHex(secret, value.slice(0, value.length - SIGNATURE_TAIL)), match[6])) {
        return refuse(r, 'token_bad_signature');
    }
    if (token.exp <= Date.now() / 1000) {
        return refuse(r, 'token_expired');
    }
    var path = requestPath(r);
    if (path.indexOf(token.acl) !== 0) {
        return refuse(r, 'token_wrong_path');
    }
    var session = token.acl.slice('/edge/'.length, -1);
    var grant = grantedOrigin(r, token, secret, signin);
    if (grant === null) {
        return refuse(r, 'token_other_viewer');
    }
    var rest = path.slice(token.acl.length);
    if (CAPTION.test(rest) || rest.indexOf(THUMBS) === 0 || grant.origin === 'portal') {
        // Captions, trickplay thumbnails (their track may live apart from the stream, and
        // only a READY one is served), and streams on hosts this edge has no origin for:
        // the portal's edge serves them after checking the same token again.
        return r.internalRedirect('@portal_edge');
    }
    var target = originPath(grant.master, rest);
    if (target === null || !Object.prototype.hasOwnProperty.call(ORIGINS, grant.origin)) {
        return refuse(r, 'not_found');
    }
    // The origin's location refuses an ended session, then serves the file.
    r.internalRedirect(ORIGINS[grant.origin] + session + '/' + target);
}

function notFound(r) {
    refuse(r, 'not_found');
}

// --- Object storage: requests to the bucket signed with AWS Signature Version 4 -------------
// Only cache misses reach the bucket, so the signing (five HMACs) is not on the hot path.

function sha256Hex(text) {
    return crypto.createHash('sha256').update(text).digest('hex');
}

function amzDate(r) {
    // nginx's cached time (e.g. 2026-12-05T00:10:55+00:00): the same for both variables.
    return r.variables.time_iso8601.slice(0, 19).replace(/[-:]/g, '') + 'Z';
}

function s3Date(r) {
    return amzDate(r);
}

function s3Authorization(r) {
    var s3 = edge_config.s3;
    var when = amzDate(r);
    var day = when.slice(0, 8);
    var path = '/' + s3.bucket + '/' + r.variables.edge_file;
    var canonical = [
        'GET',
        path.replace(/\+/g, '%2B'),
        '',
        'host:' + s3.host,
        'x-amz-content-sha256:UNSIGNED-PAYLOAD',
        'x-amz-date:' + when,
        '',
        'host;x-amz-content-sha256;x-amz-date',
        'UNSIGNED-PAYLOAD',
    ].join('\n');
    var scope = day + '/' + s3.region + '/s3/aws4_request';
    var toSign = ['AWS4-HMAC-SHA256', when, scope, sha256Hex(canonical)].join('\n');
    var key = crypto.createHmac('sha256', 'AWS4' + s3.secret_key).update(day).digest();
    key = crypto.createHmac('sha256', key).update(s3.region).digest();
    key = crypto.createHmac('sha256', key).update('s3').digest();
    key = crypto.createHmac('sha256', key).update('aws4_request').digest();
    var signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
    return 'AWS4-HMAC-SHA256 Credential=' + s3.access_key + '/' + scope +
        ', SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=' + signature;
}

export default {serve, notFound, s3Date, s3Authorization};
