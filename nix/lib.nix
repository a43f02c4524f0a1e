# portnix in pure Nix: no nixpkgs needed. The same rules and codes as `portnix check` for
# duplicate-port, out-of-range, reserved-port and invalid-port, with the same paths; the tests
# compare the two on every fixture and example.
#
# Everything is O(n log n) in the registry's size: builtins.groupBy and builtins.sort, never a
# comparison of every entry with every other.
let
  inherit (builtins)
    all any attrNames concatLists concatMap concatStringsSep elemAt filter foldl' genList
    groupBy head isAttrs isInt isList isString length listToAttrs map match sort stringLength
    substring tail toJSON toString;

  load = x: if isAttrs x then x else if x == null then { } else import x;

  keywords = [ "assert" "else" "if" "in" "inherit" "let" "or" "rec" "then" "with" ];
  quoteSegment = s:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null && !(builtins.elem s keywords) then s
    else toJSON s;
  dotted = path: concatStringsSep "." (map quoteSegment path);

  # "a.\"b.c\".d" -> [ "a" "b.c" "d" ]; `*` stays "*".
  splitDotted = text:
    let
      m = match "\"([^\"]*)\"(\\.(.*))?|([^.\"]*)(\\.(.*))?" text;
      seg = if elemAt m 0 != null then elemAt m 0 else elemAt m 3;
      rest = if elemAt m 0 != null then elemAt m 2 else elemAt m 5;
    in
    if m == null then throw "portnix: '${text}' is not a dotted path"
    else [ seg ] ++ (if rest == null then [ ] else splitDotted rest);

  pattern = text: let segs = splitDotted text; in {
    inherit text segs;
    len = length segs;
    literal = length (filter (s: s != "*") segs);
  };
  moreSpecific = a: b: a.len > b.len || (a.len == b.len && a.literal > b.literal);
  matchesPrefix = p: path:
    p.len <= length path && all (i: elemAt p.segs i == "*" || elemAt p.segs i == elemAt path i) (genList (i: i) p.len);
  matchesExact = p: path: p.len == length path && matchesPrefix p path;
  # The most specific of `candidates` (in order) for which `pred` holds; the first among equals.
  mostSpecific = pred: candidates:
    foldl' (best: c: if pred c && (best == null || moreSpecific c.pattern best.pattern) then c else best) null candidates;

  isRange = v: isAttrs v && (v ? from || v ? to);

  # The registry as a list of leaves, each with its path and where Nix says it is defined.
  leaves = registry:
    let
      walk = path: set: concatMap
        (name:
          let v = set.${name}; p = path ++ [ name ]; in
          if isAttrs v && !(isRange v) then walk p v
          else [ { path = p; value = v; pos = builtins.unsafeGetAttrPos name set; } ])
        (attrNames set);
    in
    walk [ ] registry;

  # What a leaf holds: a port, a range, or why it is neither.
  classify = v:
    if isInt v then { kind = "port"; from = v; to = v; }
    else if isRange v then
      (if attrNames v == [ "from" "to" ] && isInt v.from && isInt v.to
       then { kind = "range"; inherit (v) from to; }
       else { kind = "invalid"; why = "a range that is not exactly { from = <int>; to = <int>; }"; })
    else { kind = "invalid"; why = "a ${builtins.typeOf v}"; };

  parseConfig = config:
    let c = load config; in {
      ranges = map (n: { pattern = pattern n; inherit (c.ranges.${n}) from to; })
        (attrNames (c.ranges or { }));
      reserved = map
        (r: {
          from = r.from or r.port;
          to = r.to or r.port;
          reason = r.reason or "";
          allow = map pattern (r.allow or [ ]);
        })
        (c.reserved or [ ]);
      services = map (n: { pattern = pattern n; meta = c.services.${n}; }) (attrNames (c.services or { }));
      scopes = map pattern (c.scopes or [ ]);
    };

  validRange = r: 0 <= r.from && r.from <= r.to && r.to <= 65535;

  posText = pos: if pos == null then "" else " (${pos.file}:${toString pos.line}:${toString pos.column})";

  # The registry flattened to records: path, name, value, protocol, metadata, scope, range.
  entriesOf = { registry, config ? { } }:
    let
      cfg = parseConfig config;
      ranges = filter validRange cfg.ranges;
    in
    map
      (leaf:
        let
          c = classify leaf.value;
          valid = c.kind != "invalid" && 1 <= c.from && c.from <= c.to && c.to <= 65535;
          service = mostSpecific (s: matchesExact s.pattern leaf.path) cfg.services;
          meta = if service == null then { } else service.meta;
          scope = mostSpecific (s: s.pattern.len < length leaf.path && matchesPrefix s.pattern leaf.path)
            (map (p: { pattern = p; }) cfg.scopes);
        in
        leaf // c // {
          name = dotted leaf.path;
          inherit valid meta;
          protocol = meta.protocol or "tcp";
          scope = if scope == null then "" else dotted (genList (i: elemAt leaf.path i) scope.pattern.len);
          range = mostSpecific (r: matchesPrefix r.pattern leaf.path) ranges;
          shareWith = map pattern (meta.shareWith or [ ]);
          text = if c.kind == "range" then "${toString c.from}-${toString c.to}"
            else if c.kind == "port" then toString c.from else c.why;
        })
      (leaves (load registry));

  transports = p: if p == "both" then [ "tcp" "udp" ] else [ p ];

  finding = code: paths: message: { inherit code message; paths = sort (a: b: a < b) paths; };

  invalidPort = entries: concatMap
    (e:
      if e.kind == "invalid" then [ (finding "invalid-port" [ e.name ] "${e.name} is not a port: it is ${e.why}${posText e.pos}") ]
      else if e.kind == "port" && !(1 <= e.from && e.from <= 65535) then
        [ (finding "invalid-port" [ e.name ] "${e.name} is ${toString e.from}, which is not a port: ports are 1 to 65535${posText e.pos}") ]
      else if e.kind == "range" && e.from > e.to then
        [ (finding "invalid-port" [ e.name ] "${e.name} is an empty range: from = ${toString e.from} is above to = ${toString e.to}${posText e.pos}") ]
      else if e.kind == "range" && (e.from < 1 || e.to > 65535) then
        [ (finding "invalid-port" [ e.name ] "${e.name} is the range ${e.text}, which leaves the ports 1 to 65535${posText e.pos}") ]
      else [ ])
    entries;

  outOfRange = entries: concatMap
    (e:
      if e.valid && e.range != null && !(e.range.from <= e.from && e.to <= e.range.to) then
        [ (finding "out-of-range" [ e.name ]
          "${e.name} (${e.text}) lies outside the range of \"${e.range.pattern.text}\" (${toString e.range.from}-${toString e.range.to})${posText e.pos}") ]
      else [ ])
    entries;

  reservedPort = cfg: entries: concatMap
    (e: if !e.valid then [ ] else concatMap
      (r:
        if r.from <= e.to && e.from <= r.to && !(any (p: matchesPrefix p e.path) r.allow) then
          [ (finding "reserved-port" [ e.name ] "${e.name} (${e.text}) is on reserved ${toString r.from}-${toString r.to}: ${r.reason}${posText e.pos}") ]
        else [ ])
      cfg.reserved)
    entries;

  # Entries that claim the same ports in one (scope, protocol) lane, as `portnix check` groups
  # them: equal single ports together; each range with everything that overlaps it and either
  # starts after it or is a single port at its first port.
  duplicatePort = entries:
    let
      indexed = genList (i: (elemAt entries i) // { idx = i; }) (length entries);
      claims = concatMap (e: map (p: { lane = "${e.scope}/${p}"; proto = p; inherit (e) from to idx; }) (transports e.protocol))
        (filter (e: e.valid) indexed);
      lanes = groupBy (c: c.lane) claims;
      before = a: b: a.from < b.from || (a.from == b.from && (a.to < b.to || (a.to == b.to && a.idx < b.idx)));
      clashesIn = items:
        let
          sorted = sort before items;
          n = length sorted;
          at = elemAt sorted;
          singles = filter (c: c.from == c.to) sorted;
          singleGroups = filter (g: length g > 1) (builtins.attrValues (groupBy (c: toString c.from) singles));
          fromSingles = map (g: { members = sort (a: b: a < b) (map (c: c.idx) g); anchor = null; from = (head g).from; to = (head g).from; }) singleGroups;
          after = k: to: if k < n && (at k).from <= to then [ (at k).idx ] ++ after (k + 1) to else [ ];
          sameStartSingles = k: from: if k >= 0 && (at k).from == from
            then (if (at k).to == from then [ (at k).idx ] else [ ]) ++ sameStartSingles (k - 1) from
            else [ ];
          fromRanges = concatMap
            (k:
              let c = at k; members = [ c.idx ] ++ after (k + 1) c.to ++ sameStartSingles (k - 1) c.from; in
              if c.from == c.to || length members < 2 then [ ]
              else [ { members = sort (a: b: a < b) members; anchor = c.idx; inherit (c) from to; } ])
            (genList (k: k) n);
        in
        map (c: c // { proto = (head items).proto; }) (fromSingles ++ fromRanges);
      allows = a: b: any (p: matchesPrefix p b.path) a.shareWith || any (p: matchesPrefix p a.path) b.shareWith;
      sharedOnPurpose = members: all (i: all (j: i == j || allows (elemAt entries i) (elemAt entries j)) members) members;
      clashes = filter (c: !(sharedOnPurpose c.members)) (concatMap clashesIn (builtins.attrValues lanes));
      # The same entries clashing on tcp and on udp are one finding.
      merged = builtins.attrValues (groupBy (c: toJSON [ c.members c.anchor c.from c.to ]) clashes);
      describe = i: let e = elemAt entries i; in "${e.name} (${e.text})${posText e.pos}";
    in
    map
      (group:
        let
          c = head group;
          protos = concatStringsSep "+" (sort (a: b: a < b) (map (x: x.proto) group));
        in
        finding "duplicate-port" (map (i: (elemAt entries i).name) c.members)
          (if c.anchor == null
           then "port ${toString c.from}/${protos} is claimed by ${toString (length c.members)} entries: ${concatStringsSep ", " (map describe c.members)}"
           else "${describe c.anchor} overlaps ${toString (length c.members - 1)} entries on ${protos}: ${concatStringsSep ", " (map describe (filter (i: i != c.anchor) c.members))}"))
      merged;

  # camelCase and punctuation to UPPER_SNAKE, as `portnix gen env` names variables.
  lower = "abcdefghijklmnopqrstuvwxyz";
  upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  chars = s: genList (i: substring i 1 s) (stringLength s);
  toUpper = builtins.replaceStrings (chars lower) (chars upper);
  isLowerOrDigit = ch: match "[a-z0-9]" ch != null;
  snakeSegment = seg:
    let
      cs = chars seg;
      step = acc: ch: {
        out = acc.out + (if match "[A-Z]" ch != null && acc.prevLower then "_" else "")
          + (if match "[a-zA-Z0-9]" ch != null then toUpper ch else "_");
        prevLower = isLowerOrDigit ch;
      };
    in
    (foldl' step { out = ""; prevLower = false; } cs).out;
  envName = e:
    if e.meta ? env then e.meta.env
    else
      let n = concatStringsSep "_" (map snakeSegment e.path) + "_PORT"; in
      if match "[0-9].*" n != null then "_" + n else n;

  open = entries: filter (e: e.valid && (e.meta.openFirewall or false)) entries;
  byPort = sort (a: b: a.from < b.from || (a.from == b.from && a.name < b.name));
  firewallLists = es:
    let
      has = proto: e: builtins.elem proto (transports e.protocol);
      single = e: e.from == e.to;
      ports = proto: map (e: e.from) (byPort (filter (e: has proto e && single e) es));
      rangesOf = proto: map (e: { inherit (e) from to; }) (byPort (filter (e: has proto e && !(single e)) es));
    in
    {
      allowedTCPPorts = ports "tcp";
      allowedUDPPorts = ports "udp";
      allowedTCPPortRanges = rangesOf "tcp";
      allowedUDPPortRanges = rangesOf "udp";
    };
in
rec {
  /** The registry flattened to records: path, name, value, port or range, protocol. */
  entries = args: map
    (e: { inherit (e) path name protocol; } // (if e.kind == "port" then { port = e.from; } else if e.kind == "range" then { range = { inherit (e) from to; }; } else { invalid = e.why; }))
    (entriesOf (normalize args));

  normalize = args: if args ? registry then args else { registry = args; };

  /** Findings of duplicate-port, out-of-range, reserved-port and invalid-port: { code; paths; message; }. */
  findings = args:
    let
      a = normalize args;
      es = entriesOf a;
      cfg = parseConfig (a.config or { });
    in
    invalidPort es ++ duplicatePort es ++ outOfRange es ++ reservedPort cfg es;

  /** The registry itself, or a throw that lists every finding with its paths and positions. */
  check = args:
    let
      a = normalize args;
      fs = findings a;
    in
    if fs == [ ] then load a.registry
    else throw ("portnix: ${toString (length fs)} port conflicts:\n"
      + concatStringsSep "\n" (map (f: "  error[${f.code}]: ${f.message}") fs));

  /** networking.firewall settings for the entries marked openFirewall. */
  firewall = args:
    let
      es = open (entriesOf (normalize args));
      global = filter (e: (e.meta.interfaces or [ ]) == [ ]) es;
      ifaces = builtins.sort (a: b: a < b) (builtins.attrNames (listToAttrs (map (i: { name = i; value = null; }) (concatMap (e: e.meta.interfaces or [ ]) es))));
      perIface = listToAttrs (map (i: { name = i; value = firewallLists (filter (e: builtins.elem i (e.meta.interfaces or [ ])) es); }) ifaces);
    in
    firewallLists global // (if perIface == { } then { } else { interfaces = perIface; });

  /** NAME -> value, as `portnix gen env` writes them (ranges as NAME_FROM and NAME_TO). */
  envVars = args: listToAttrs (concatMap
    (e:
      if e.kind == "range" then [
        { name = "${envName e}_FROM"; value = toString e.from; }
        { name = "${envName e}_TO"; value = toString e.to; }
      ] else [ { name = envName e; value = toString e.from; } ])
    (filter (e: e.valid) (entriesOf (normalize args))));
}
