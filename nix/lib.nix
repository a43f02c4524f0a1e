# portnix in pure Nix: no nixpkgs needed. The same rules and codes as `portnix check` for every
# error a registry and its config can hold (duplicate-port, out-of-range, reserved-port,
# invalid-port, unknown-service, invalid-range, range-outside-parent, range-overlap, and the
# config-error of a pool that names no range) and for its
# warnings (privileged-port, ephemeral-port, unused-range), with the same paths; the tests
# compare the two on every fixture and example.
#
# Everything is O(n log n) in the registry's size: builtins.groupBy and builtins.sort, never a
# comparison of every entry with every other. A clean registry, the usual case in CI, is proved
# clean by a quick pass (`clean` below) without building a record per entry; only a registry
# with something to report pays for the full rules.
let
  inherit (builtins)
    all any attrNames attrValues concatLists concatMap concatStringsSep elemAt filter foldl'
    genList groupBy head isAttrs isInt isList isString length lessThan listToAttrs map mapAttrs
    match partition sort stringLength substring tail toJSON toString;

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
  matchesPrefix = p: path:
    p.len <= length path && all (i: elemAt p.segs i == "*" || elemAt p.segs i == elemAt path i) (genList (i: i) p.len);
  # A leaf is a port, a range, either with metadata of its own (`{ port = 53; protocol = "udp"; }`),
  # or a list of those; any other set is a category. A set is a leaf when it has a key that
  # says where its ports are, or a metadata field holding a value of that field's type
  # (`program = "nginx"` is metadata, `program = 9000` a service called program).
  portKeys = [ "port" "from" "to" ];
  metaKeys = [ "protocol" "description" "openFirewall" "interfaces" "env" "shareWith" "program" "owner" "status" "outsideRange" "fallback" ];
  fits = n: x:
    if n == "protocol" || n == "description" || n == "env" || n == "program" || n == "owner" || n == "status" || n == "outsideRange" then isString x
    else if n == "openFirewall" then builtins.isBool x
    else if n == "interfaces" || n == "shareWith" then isList x && all isString x
    else false;
  # Only the metadata keys a set has are looked at (intersectAttrs runs in C++), so a category
  # of a thousand services costs no more than one of three.
  metaKeySet = listToAttrs (map (n: { name = n; value = null; }) metaKeys);
  isCategory = v: isAttrs v && !(v ? port || v ? from || v ? to
    || any (n: fits n v.${n}) (attrNames (builtins.intersectAttrs metaKeySet v)));

  # lib.mkDefault, mkForce and mkOverride wrap a value as { _type = "override"; content; ... },
  # lib.mkIf as { _type = "if"; condition; content; }: the value is the content, and nothing at
  # all when the condition is false.
  absent = { _type = "portnix-absent"; };
  unwrap = v:
    if !(isAttrs v && v ? _type && v ? content) then v
    else if v._type == "override" then unwrap v.content
    else if v._type == "if" && (v.condition or null) == true then unwrap v.content
    else if v._type == "if" && (v.condition or null) == false then absent
    else v;
  isAbsent = v: isAttrs v && (v._type or null) == "portnix-absent";

  # What a leaf holds: a port, a range, or why it is neither.
  invalidAs = why: { kind = "invalid"; inherit why; };
  classify = v:
    if isInt v then { kind = "port"; from = v; to = v; }
    else if isAttrs v then
      let port = v ? port; from = v ? from; to = v ? to; in
      if !port && !from && !to then invalidAs "a set with metadata but no `port`, or `from` and `to`"
      else if port && !from && !to then
        (if isInt v.port then { kind = "port"; from = v.port; to = v.port; } else invalidAs "a set whose port is a ${builtins.typeOf v.port}")
      else if !port && from && to then
        (if isInt v.from && isInt v.to then { kind = "range"; inherit (v) from to; } else invalidAs "a range whose `from` and `to` are not both integers")
      else if port then invalidAs "a set with both `port` and `from`/`to`: one port or one range"
      else invalidAs "a range that is not exactly { from = <int>; to = <int>; }"
    else invalidAs "a ${builtins.typeOf v}";

  toLower = builtins.replaceStrings (chars upper) (chars lower);
  # A metadata field's value as the rules compare it: protocols in any case, lists of strings.
  normalField = n: x:
    if n == "protocol" then toLower x
    else if n == "interfaces" || n == "shareWith" then filter isString x
    else x;
  # How many errors a field's value holds: a wrong type, an unknown protocol, or each list
  # item that is not a string.
  fieldErrors = n: x:
    if n == "protocol" then (if isString x && builtins.elem (toLower x) [ "tcp" "udp" "both" ] then 0 else 1)
    else if n == "openFirewall" then (if builtins.isBool x then 0 else 1)
    else if n == "interfaces" || n == "shareWith" then (if isList x then length (filter (i: !(isString i)) x) else 1)
    # An exception from the range gives its reason.
    else if n == "outsideRange" then (if isString x && match "[[:space:]]*" x == null then 0 else 1)
    else if n == "fallback" then (if isInt x then 0 else 1)
    else if isString x then 0 else 1;
  # Whether the field is read at all: a list with some bad items keeps its good ones.
  usable = n: x: if n == "interfaces" || n == "shareWith" then isList x else fieldErrors n x == 0;

  # A leaf set's own metadata: the fields it gives, and the invalid-metadata findings it holds
  # (unknown keys, bad values, fields the config's exact services rule gives differently).
  inlineOf = extra: name: v: exact:
    if !(isAttrs v) then { given = { }; problems = [ ]; } else
    let
      keys = filter (n: !(builtins.elem n portKeys)) (attrNames v);
      known = filter (n: builtins.elem n metaKeys) keys;
      given = listToAttrs (map (n: { name = n; value = normalField n v.${n}; }) (filter (n: usable n v.${n}) known));
      one = message: finding "invalid-metadata" [ name ] message;
      unknown = map (n: one "unknown key '${n}' in the metadata of ${name}")
        (filter (n: !(builtins.elem n metaKeys) && !(builtins.elem n extra)) keys);
      bad = concatMap (n: genList (_: one "${name}: ${n} has a value of the wrong type") (fieldErrors n v.${n})) known;
      disagree = if exact == null then [ ] else
        map (n: one "${name} gives its ${n} here, and services.\"${exact.pattern.text}\" gives another")
          (filter (n: exact.meta ? ${n} && normalField n exact.meta.${n} != given.${n}) (attrNames given));
    in
    { inherit given; problems = unknown ++ bad ++ disagree; };

  parseConfig = config:
    let
      c = load config;
      # A pattern may have several spans (`ranges.x = [ { from; to; } { port; } ]`); `idx`
      # keeps the order they were written in, so each pattern's first span is known.
      spansOf = n: let v = c.ranges.${n}; pos = builtins.unsafeGetAttrPos n c.ranges; in
        map (r: { pattern = pattern n; from = r.from or r.port; to = r.to or r.port; inherit pos; })
          (if isList v then v else [ v ]);
      written = concatMap spansOf (attrNames (c.ranges or { }));
      allRanges = genList (i: elemAt written i // { idx = i; }) (length written);
    in {
      inherit allRanges;
      ranges = filter validRange allRanges;
      ignore = mapAttrs (_: map pattern) (c.ignore or { });
      reserved = map
        (r: {
          from = r.from or r.port;
          to = r.to or r.port;
          reason = r.reason or "";
          allow = map pattern (r.allow or [ ]);
        })
        (c.reserved or [ ]);
      services = map (n: { pattern = pattern n; meta = c.services.${n}; pos = builtins.unsafeGetAttrPos n c.services; })
        (attrNames (c.services or { }));
      scopes = map (p: { pattern = p; }) (map pattern (c.scopes or [ ]));
      pools = c.pools or [ ];
      extraFields = c.extraFields or [ ];
    };

  validRange = r: 0 <= r.from && r.from <= r.to && r.to <= 65535;

  # A pool (`portnix lease` hands out its ports) names a pattern of `ranges` as it is spelt there.
  poolConfig = cfg:
    let known = map (r: r.pattern.text) cfg.allRanges; in
    concatMap
      (p: if !(builtins.elem p known) then
        [ (finding "config-error" [ ] "pool '${p}' is not a range pattern; a pool is a pattern of `ranges`") ]
      else if length (filter (k: k == p) known) > 1 then
        [ (finding "config-error" [ ] "pool '${p}' has several ranges; a pool is one span of ports") ]
      else [ ])
      cfg.pools;

  posText = pos: if pos == null then "" else " (${pos.file}:${toString pos.line}:${toString pos.column})";

  # Patterns still matching after one more name: the walk below narrows them level by level,
  # so each entry costs only the patterns that could still apply to it, not all of them.
  advance = depth: name: alive: filter
    (p: p.pattern.len > depth && (let s = elemAt p.pattern.segs depth; in s == "*" || s == name))
    alive;
  completedAt = depth: alive: filter (p: p.pattern.len == depth + 1) alive;
  # The first of the most literal among patterns of one length.
  pick = candidates: foldl' (best: c: if best == null || c.pattern.literal > best.pattern.literal then c else best) null candidates;

  # The registry flattened to records: path, name, value, protocol, metadata, scope, range.
  entriesOf = { registry, config ? { } }:
    let
      cfg = parseConfig config;
      # mapAttrs hands each value over directly, cheaper than selecting it by name.
      walk = { set, path, depth, ranges, scopes, services, range, scope }: concatLists (builtins.attrValues (builtins.mapAttrs
        (n: v0:
          let
            v = unwrap v0;
            p = path ++ [ n ];
            ranges' = advance depth n ranges;
            scopes' = advance depth n scopes;
            services' = advance depth n services;
            done = pick (completedAt depth ranges');
            range' = if done == null then range else done;
          in
          if isAbsent v then [ ]
          else if isCategory v then
            walk {
              set = v;
              path = p;
              depth = depth + 1;
              ranges = ranges';
              scopes = scopes';
              services = services';
              range = range';
              # A scope is a namespace of entries below it, so it completes at a set, never a leaf.
              scope = if completedAt depth scopes' != [ ] then concatStringsSep "." (map quoteSegment p) else scope;
            }
          else
            let
              service = pick (completedAt depth services');
              # A leaf's own metadata is its exact rule: merged with the config's exact rule,
              # it takes the place of wildcard ones.
              exact = if service != null && service.pattern.literal == service.pattern.len then service else null;
              record = x: item:
                let
                  c = if isList x then invalidAs (if item == null then "an empty list" else "a list inside a list") else classify x;
                  name = if item == null then dotted p else "${dotted p}[${toString item}]";
                  inline = inlineOf cfg.extraFields name x exact;
                  meta = if inline.given == { } then (if service == null then { } else service.meta)
                    else (if exact == null then { } else exact.meta) // inline.given;
                in
                {
                  path = p;
                  value = x;
                  pos = builtins.unsafeGetAttrPos n set;
                  fallbackPos = if isAttrs x && x ? fallback then builtins.unsafeGetAttrPos "fallback" x else builtins.unsafeGetAttrPos n set;
                  inherit (c) kind;
                  inherit item name meta scope;
                  from = c.from or null;
                  to = c.to or null;
                  why = c.why or null;
                  valid = c.kind != "invalid" && 1 <= c.from && c.from <= c.to && c.to <= 65535;
                  ownEnv = inline.given ? env;
                  metaFindings = inline.problems;
                  # Most entries name no protocol: the lowering is for those that do.
                  protocol = if meta ? protocol then toLower meta.protocol else "tcp";
                  range = range';
                  shareWith = if meta ? shareWith then map pattern (filter isString meta.shareWith) else [ ];
                  text = if c.kind == "range" then "${toString c.from}-${toString c.to}"
                    else if c.kind == "port" then toString c.from else c.why;
                };
            in
            concatMap withFallback
              (if isList v && v != [ ] then genList (i: record (elemAt v i) i) (length v)
              else [ (record v null) ]))
        set));
    in
    walk {
      set = load registry;
      path = [ ];
      depth = 0;
      inherit (cfg) ranges scopes services;
      range = null;
      scope = "";
    };

  # An entry's `fallback` (seed 000's NLP_API_PORT_ALT) is an entry of its own at
  # `path.fallback`, claimed and checked like any other, and NAME_ALT to envVars.
  withFallback = r:
    if !(r.meta ? fallback && isInt r.meta.fallback) then [ r ] else
    let
      fb = r.meta.fallback;
      c = classify fb;
    in
    [ r (r // {
      path = r.path ++ [ "fallback" ];
      name = "${r.name}.fallback";
      value = fb;
      pos = r.fallbackPos;
      inherit (c) kind from to;
      why = null;
      valid = 1 <= fb && fb <= 65535;
      text = toString fb;
      meta = builtins.removeAttrs r.meta [ "fallback" ] // { env = "${envName r}_ALT"; };
      ownEnv = true;
      metaFindings = [ ];
    }) ];

  # The usual registry has nothing to report, and proving that is cheaper than building a
  # record per entry: one walk cuts the registry into segments (subtrees with one scope and
  # one set of covering ranges), and builtins that run in C++ (partition, sort, groupBy) check
  # them. It is conservative: `false` means only that the full rules below must decide, and
  # they give the findings. Every check here is stricter than the rule it stands for: ports
  # unique in a scope whatever their protocol, inside every covering range rather than the
  # nearest, clear of every reservation except where its `allow` covers a whole segment.
  # A fallback the config gives is a claim the registry's own leaves do not show.
  clean = cfg: registry: all (s: !(s.meta ? fallback)) cfg.services && cleanLeaves cfg registry;
  cleanLeaves = cfg: registry:
    let
      leaves = v0: if isInt v0 then [ v0 ] else let v = unwrap v0; in
        if isAbsent v then [ ] else if isCategory v then concatMap leaves (attrValues v) else [ v ];
      longer = depth: any (p: p.pattern.len > depth + 1);
      # Each reservation's `allow` patterns, tagged with the reservation's index.
      reservations = genList (i: i) (length cfg.reserved);
      allows = concatMap (i: map (p: { pattern = p; res = i; }) (elemAt cfg.reserved i).allow) reservations;
      segment = scope: covering: allowed: vs:
        let p = partition isInt vs; in { inherit scope covering allowed; ints = p.right; others = p.wrong; };
      segmentsOf = { set, path, depth, ranges, scopes, allows, covering, allowed, scope }:
        concatLists (attrValues (mapAttrs
          (n: v0:
            let
              v = unwrap v0;
              ranges' = advance depth n ranges;
              scopes' = advance depth n scopes;
              allows' = advance depth n allows;
              covering' = covering ++ completedAt depth ranges';
              allowed' = allowed ++ map (p: p.res) (completedAt depth allows');
              isSet = isCategory v;
              scope' = if isSet && completedAt depth scopes' != [ ] then toJSON (path ++ [ n ]) else scope;
            in
            if isAbsent v then [ ]
            else if isSet && (longer depth ranges' || longer depth scopes' || longer depth allows') then
              segmentsOf {
                set = v;
                path = path ++ [ n ];
                depth = depth + 1;
                ranges = ranges';
                scopes = scopes';
                allows = allows';
                covering = covering';
                allowed = allowed';
                scope = scope';
              }
            else [ (segment scope' covering' allowed' (leaves v)) ])
          set));
      segments = segmentsOf {
        set = registry;
        path = [ ];
        depth = 0;
        inherit (cfg) ranges scopes;
        inherit allows;
        covering = [ ];
        allowed = [ ];
        scope = "";
      };
      # Whether no port of `sorted` lies in from..to, by binary search.
      noPortIn = sorted: from: to:
        let
          n = length sorted;
          go = lo: hi: if lo >= hi then lo else
            let mid = (lo + hi) / 2; in if elemAt sorted mid < from then go (mid + 1) hi else go lo mid;
          i = go 0 n;
        in
        i >= n || elemAt sorted i > to;
      # Every value valid, inside every range that covers it, and off every reservation that
      # does not allow it.
      segmentClean = s:
        let
          lo = foldl' (a: r: if r.from > a then r.from else a) 1 s.covering;
          hi = foldl' (a: r: if r.to < a then r.to else a) 65535 s.covering;
          sorted = sort lessThan s.ints;
          offReservation = i:
            let q = elemAt cfg.reserved i; in
            builtins.elem i s.allowed
            || (noPortIn sorted q.from q.to && all (r: r.to < q.from || q.to < r.from) s.others);
        in
        all (r: isAttrs r && attrNames r == [ "from" "to" ] && isInt r.from && isInt r.to
          && lo <= r.from && r.from <= r.to && r.to <= hi) s.others
        && (s.ints == [ ] || (lo <= head sorted && elemAt sorted (length sorted - 1) <= hi))
        && all offReservation reservations;
      # Within a scope: no port twice, no range meeting another range or a port.
      scopeClean = segs:
        let
          ints = concatMap (s: s.ints) segs;
          sorted = sort lessThan ints;
          rs = sort (a: b: a.from < b.from) (concatMap (s: s.others) segs);
        in
        length (attrNames (groupBy toString ints)) == length ints
        && (rs == [ ] || all (i: (elemAt rs i).to < (elemAt rs (i + 1)).from) (genList (i: i) (length rs - 1)))
        && all (r: noPortIn sorted r.from r.to) rs;
    in
    all segmentClean segments && all scopeClean (attrValues (groupBy (s: s.scope) segments));

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

  # The valid spans of a range's pattern, and them as text: "5000-6999, 8080, 9001-9999".
  spansOfPattern = cfg: r: filter (o: o.pattern.text == r.pattern.text) cfg.ranges;
  spansText = cfg: r: concatStringsSep ", "
    (map (o: if o.from == o.to then toString o.from else "${toString o.from}-${toString o.to}") (spansOfPattern cfg r));
  spansHold = cfg: r: from: to: any (o: o.from <= from && to <= o.to) (spansOfPattern cfg r);
  outOfRange = cfg: entries: concatMap
    (e:
      if e.valid && e.range != null && !(e.meta ? outsideRange) && !(spansHold cfg e.range e.from e.to) then
        [ (finding "out-of-range" [ e.name ]
          "${e.name} (${e.text}) lies outside the range of \"${e.range.pattern.text}\" (${spansText cfg e.range})${posText e.pos}") ]
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

  isLeaf = v: !(isCategory v);
  # Whether some entry lies at a path the pattern names `exact`ly, or at or below it. It walks
  # only the names the pattern allows, so it costs the matched part of the registry, not all.
  covers = exact: p: registry:
    let
      go = depth: v0: let v = unwrap v0; in
        if isAbsent v then false
        else if depth == p.len then (if exact then isLeaf v else isLeaf v || anyLeaf v)
        else if isLeaf v then false
        else
          let s = elemAt p.segs depth; in
          if s == "*" then any (go (depth + 1)) (attrValues v)
          else v ? ${s} && go (depth + 1) v.${s};
      anyLeaf = v0: let v = unwrap v0; in !(isAbsent v) && (isLeaf v || any anyLeaf (attrValues v));
    in
    go 0 registry;

  unknownService = cfg: registry: concatMap
    (s: if covers true s.pattern registry then [ ] else
      [ (finding "unknown-service" [ ] "services.\"${s.pattern.text}\" names no entry of the registry${posText s.pos}") ])
    cfg.services;

  # The config's own ranges, pairwise (they are few): empty or beyond 0-65535, a nested one
  # leaving its parent, unrelated ones sharing ports.
  intersects = a: b: all (i: let x = elemAt a.segs i; y = elemAt b.segs i; in x == "*" || y == "*" || x == y)
    (genList (i: i) (if a.len < b.len then a.len else b.len));
  isInside = inner: outer: outer.len <= inner.len
    && all (i: let o = elemAt outer.segs i; s = elemAt inner.segs i; in o == "*" || (s != "*" && o == s)) (genList (i: i) outer.len);
  moreSpecific = a: b: a.len > b.len || (a.len == b.len && a.literal > b.literal);
  rangeText = r: "the range for \"${r.pattern.text}\" (${toString r.from}-${toString r.to})";
  rangeConfig = cfg:
    let
      invalid = map (r: finding "invalid-range" [ ] "${rangeText r} is empty or leaves 0-65535${posText r.pos}")
        (filter (r: !(validRange r)) cfg.allRanges);
      valid = cfg.ranges;
      n = length valid;
      pairs = concatMap (i: map (j: { a = elemAt valid i; b = elemAt valid j; }) (genList (j: i + 1 + j) (n - i - 1))) (genList (i: i) n);
      nesting = a: b:
        if !(intersects a.pattern b.pattern) then null
        else if isInside a.pattern b.pattern then { inner = a; outer = b; }
        else if isInside b.pattern a.pattern then { inner = b; outer = a; }
        else if moreSpecific a.pattern b.pattern then { inner = a; outer = b; }
        else if moreSpecific b.pattern a.pattern then { inner = b; outer = a; }
        else null;
      firstSpan = r: all (o: o.pattern.text != r.pattern.text || o.idx >= r.idx) valid;
      pairFindings = concatMap
        ({ a, b }:
          let nest = nesting a b; in
          if a.pattern.text == b.pattern.text then
            (if a.from <= b.to && b.from <= a.to
             then [ (finding "range-overlap" [ ] "two ranges of \"${a.pattern.text}\" overlap (${toString a.from}-${toString a.to} and ${toString b.from}-${toString b.to})${posText b.pos}") ]
             else [ ])
          else if nest == null then
            (if a.from <= b.to && b.from <= a.to
             then [ (finding "range-overlap" [ ] "the ranges for \"${a.pattern.text}\" (${toString a.from}-${toString a.to}) and \"${b.pattern.text}\" (${toString b.from}-${toString b.to}) overlap, though their patterns cover different entries${posText b.pos}") ]
             else [ ])
          # Judged once per outer pattern, at its first span: inside any of its spans.
          else if firstSpan nest.outer && !(spansHold cfg nest.outer nest.inner.from nest.inner.to)
          then [ (finding "range-outside-parent" [ ] "${rangeText nest.inner} is not inside the range for \"${nest.outer.pattern.text}\" (${spansText cfg nest.outer})${posText nest.inner.pos}") ]
          else [ ])
        pairs;
    in
    invalid ++ pairFindings;

  unusedRange = cfg: registry: concatMap
    (r: if covers false r.pattern registry then [ ] else
      [ (finding "unused-range" [ ] "the range pattern \"${r.pattern.text}\" covers no entry of the registry${posText r.pos}") ])
    # A pool's ports go to leases at run time: it is never unused.
    # A pattern with several spans is one range here.
    (filter (r: !(builtins.elem r.pattern.text cfg.pools) && all (o: o.pattern.text != r.pattern.text || o.idx >= r.idx) cfg.allRanges) cfg.allRanges);

  describeEntry = e: "${e.name} (${e.text})";
  privilegedPort = cfg: entries: concatMap
    (e:
      if e.valid && e.from < 1024
        && !(e.range != null && e.range.to < 1024)
        && !(any (r: r.from <= e.to && e.from <= r.to && any (p: matchesPrefix p e.path) r.allow) cfg.reserved)
      then [ (finding "privileged-port" [ e.name ] "${describeEntry e} is a privileged port (below 1024): binding it needs root${posText e.pos}") ]
      else [ ])
    entries;
  ephemeralPort = entries: concatMap
    (e:
      if e.valid && !(e.to < 32768 || e.from > 60999)
      then [ (finding "ephemeral-port" [ e.name ] "${describeEntry e} is inside the ephemeral range 32768-60999: the kernel may give it to an outgoing connection${posText e.pos}") ]
      else [ ])
    entries;
  # `ignore` silences a warning whose every entry one of the code's patterns covers; a list
  # item (`a.b[1]`) is covered where its list is.
  notIgnored = cfg: f:
    let
      pats = cfg.ignore.${f.code} or [ ];
      pathOf = name: let m = match "(.*)\\[[0-9]+]" name; in splitDotted (if m == null then name else head m);
    in
    pats == [ ] || f.paths == [ ] || !(all (name: any (p: matchesPrefix p (pathOf name)) pats) f.paths);

  # A block written as two ports: `{ start; end; }`, or siblings x-start and x-end (x_start,
  # xStart). Only the names that could end a block are looked up.
  rangeSpelling = entries:
    let
      single = e: e.valid && e.item == null && e.from == e.to;
      lastOf = e: elemAt e.path (length e.path - 1);
      parentOf = e: genList (i: elemAt e.path i) (length e.path - 1);
      ends = listToAttrs (map (e: { name = toJSON e.path; value = e; })
        (filter (e: single e && match ".*(end|End)" (lastOf e) != null) entries));
      endOf = seg:
        if seg == "start" then { end = "end"; stem = ""; } else
        let m = match "(.+)(-start|_start|Start)" seg; in
        if m == null then null else {
          stem = head m;
          end = head m + { "-start" = "-end"; "_start" = "_end"; "Start" = "End"; }.${elemAt m 1};
        };
    in
    if ends == { } then [ ] else concatMap
      (e:
        let
          spec = if single e then endOf (lastOf e) else null;
          key = toJSON (parentOf e ++ [ spec.end ]);
          end = ends.${key};
        in
        if spec != null && ends ? ${key} && e.from < end.from then
          [ (finding "range-spelling" [ e.name end.name ] "${e.name} and ${end.name} read as two ports, ${toString e.from} and ${toString end.from}: nothing between them is claimed or checked${posText e.pos}") ]
        else [ ])
      entries;

  # Entries that claim the same ports in one (scope, protocol) lane, as `portnix check` groups
  # them: equal single ports together; each range with everything that overlaps it and either
  # starts after it or is a single port at its first port.
  duplicatePort = entries:
    let
      claims = concatLists (genList
        (idx:
          let e = elemAt entries idx; in
          if e.valid then map (p: { lane = "${e.scope}/${p}"; proto = p; inherit (e) from to; inherit idx; }) (transports e.protocol)
          else [ ])
        (length entries));
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
  # A list's items share the service's name, each with its place as a suffix, unless the item
  # names its own.
  envName = e:
    let
      suffix = if e.item == null || e.ownEnv then "" else "_${toString e.item}";
      derived = let n = concatStringsSep "_" (map snakeSegment e.path) + "_PORT"; in
        if match "[0-9].*" n != null then "_" + n else n;
    in
    (if e.meta ? env then e.meta.env else derived) + suffix;

  # process-compose, as `portnix gen process-compose` writes it (src/generate/process_compose.rs):
  # the same fields, probes and environment, and every `$` doubled, because process-compose
  # expands `$VAR` from its own environment when it loads the file and reads `$$` as `$`.
  escapeDollars = v:
    if isString v then builtins.replaceStrings [ "$" ] [ "$$" ] v
    else if isList v then map escapeDollars v
    else if isAttrs v then listToAttrs (map (n: { name = escapeDollars n; value = escapeDollars v.${n}; }) (attrNames v))
    else v;
  shellQuote = t: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] t + "'";
  optional = cond: attrs: if cond then attrs else { };
  someOf = keys: set: listToAttrs (map (k: { name = k; value = set.${k}; }) (filter (k: set ? ${k}) keys));
  processesOf = a:
    let
      es = entriesOf a;
      procs = (load (a.config or { })).processes or { };
      # `path` or `path[i]`: the entries there, as `portnix get` finds them.
      lookup = path:
        let
          m = match "(.*)\\[([0-9]+)]" path;
          segs = splitDotted (if m == null then path else head m);
          item = if m == null then null else builtins.fromJSON (elemAt m 1);
        in
        filter (e: e.path == segs && (item == null || e.item == item)) es;
      named = pname: what: path:
        let found = lookup path; in
        if found == [ ] then throw "portnix: processes.${pname} ${what} '${path}', which is not in the registry"
        else map (e: if e.valid then e else throw "portnix: processes.${pname} ${what} ${e.name}, which is not a valid port") found;
      single = e: e.valid && e.from == e.to;
      process = pname: p:
        let
          served = concatMap (named pname "serves") (p.serves or [ ]);
          deps = p.depends_on or { };
          depServed = concatMap (d: if procs ? ${d} then concatMap (path: filter (e: e.valid) (lookup path)) (procs.${d}.serves or [ ]) else [ ]) (attrNames deps);
          used = concatMap (named pname "uses") (p.uses or [ ]);
          # A later entry with the same name wins, as in the generator; the process's own last.
          ports = listToAttrs (map (e: { name = envName e; value = toString e.from; })
            (reverseList (filter single (served ++ depServed ++ used))));
          env = ports // mapAttrs (_: v: if isInt v then toString v else v) (p.environment or { });
          probe = pr:
            let
              host = pr.host or "localhost";
              target = if pr ? entry then (let f = lookup pr.entry; in if length f == 1 then head f else null)
                else if served == [ ] then null else head served;
              port = if target != null && single target && target.protocol != "udp" then target.from
                else throw "portnix: processes.${pname}: the probe has no tcp port to probe";
              check =
                if pr ? exec then { exec = if isString pr.exec then { command = pr.exec; } else someOf [ "command" "working_dir" ] pr.exec; }
                else if pr ? path then { http_get = { inherit host; scheme = pr.scheme or "http"; inherit (pr) path; port = toString port; }; }
                else {
                  exec.command = "bash -c " + shellQuote (if pr ? host then ": <>/dev/tcp/${pr.host}/${toString port}"
                    else ": <>/dev/tcp/127.0.0.1/${toString port} || : <>/dev/tcp/::1/${toString port}");
                };
            in
            check // someOf [ "initial_delay_seconds" "period_seconds" "timeout_seconds" "success_threshold" "failure_threshold" ] pr;
        in
        { inherit (p) command; }
        // someOf [ "description" "working_dir" "namespace" "log_location" "env_file" "is_daemon" "disabled" "ready_log_line" ] p
        // optional (env != { }) { environment = map (k: "${k}=${env.${k}}") (attrNames env); }
        // optional (p ? readiness) { readiness_probe = probe p.readiness; }
        // optional (p ? liveness) { liveness_probe = probe p.liveness; }
        // optional (deps != { }) { depends_on = mapAttrs (_: c: { condition = c; }) deps; }
        // optional (p ? availability) { availability = someOf [ "restart" "backoff_seconds" "max_restarts" ] p.availability; }
        // optional (p ? shutdown) { shutdown = someOf [ "command" "signal" "timeout_seconds" ] p.shutdown; };
    in
    escapeDollars (mapAttrs process procs);
  reverseList = xs: genList (i: elemAt xs (length xs - 1 - i)) (length xs);

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
    (e: { inherit (e) path name protocol item; } // (if e.kind == "port" then { port = e.from; } else if e.kind == "range" then { range = { inherit (e) from to; }; } else { invalid = e.why; }))
    (entriesOf (normalize args));

  normalize = args: if args ? registry then args else { registry = args; };

  /** Every error `portnix check` reports for a registry and config: { code; paths; message; }. */
  findings = args:
    let
      a = normalize args;
      cfg = parseConfig (a.config or { });
      registry = load a.registry;
    in
    # The config's rules read only the config and the paths it names: cheap at any size.
    unknownService cfg registry ++ rangeConfig cfg ++ poolConfig cfg
    ++ (if clean cfg registry then [ ] else fullFindings a);

  /** `portnix check`'s warnings, less the ignored ones: range-spelling, privileged-port, ephemeral-port, unused-range. */
  warnings = args:
    let
      a = normalize args;
      cfg = parseConfig (a.config or { });
      es = entriesOf a;
    in
    filter (notIgnored cfg) (rangeSpelling es ++ privilegedPort cfg es ++ ephemeralPort es ++ unusedRange cfg (load a.registry));

  /** True when a quick pass proves there is nothing to find; false says nothing. */
  provablyClean = args: let a = normalize args; in clean (parseConfig (a.config or { })) (load a.registry);

  /** The registry's four rules in full, without the quick pass. */
  fullFindings = args:
    let
      a = normalize args;
      es = entriesOf a;
      cfg = parseConfig (a.config or { });
    in
    invalidPort es ++ concatMap (e: e.metaFindings) es ++ duplicatePort es ++ outOfRange cfg es ++ reservedPort cfg es;

  /** The registry itself, or a throw that lists every finding with its paths and positions. */
  check = args:
    let
      a = normalize args;
      fs = findings a;
    in
    if fs == [ ] then load a.registry
    else throw ("portnix: ${toString (length fs)} error${if length fs == 1 then "" else "s"} in the registry or its config:\n"
      + concatStringsSep "\n" (map (f: "  error[${f.code}]: ${f.message}") fs));

  /** networking.firewall settings for the entries marked openFirewall; with `only`, for the
      entries under that path (one host's, under `scopes`). */
  firewall = args:
    let
      a = normalize args;
      only = if a.only or null == null then null else pattern a.only;
      es = filter (e: only == null || matchesPrefix only e.path) (open (entriesOf (builtins.removeAttrs a [ "only" ])));
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

  /** process-compose's `processes` from the config's `processes`, equal to what
      `portnix gen process-compose` writes: for process-compose-flake's
      `settings.processes`. The config is taken as `portnix check` accepts it. */
  processCompose = args: processesOf (normalize args);
}
