# A STAND-IN for nixpkgs' module system, for portnix's tests only: see README.md. It follows
# lib/modules.nix and lib/types.nix in what portnix's module meets: options with types and
# defaults, definitions merged from several modules, `mkIf` and `mkMerge` pushed down before
# their conditions are read (so a module may read `config` to decide what it defines), modules
# given as paths deduplicated by path, type errors that name the option and the file, and the
# `assertions` and `warnings` NixOS checks at build time.
let
  inherit (builtins)
    all attrNames concatLists concatMap concatStringsSep elemAt filter foldl' head isAttrs
    isBool isFunction isInt isList isPath isString length listToAttrs map mapAttrs tail toJSON;

  showOption = loc: concatStringsSep "." loc;
  show = v: if isPath v then toString v else if isFunction v then "<function>" else toJSON v;

  mkOption = attrs: attrs // { _type = "option"; };
  isOption = v: isAttrs v && (v._type or null) == "option";
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };

  # A type: a check of one value and a merge of every definition { file; value; }.
  mkType = name: check: merge: { _type = "type"; inherit name check merge; };
  typeError = loc: t: d: throw "A definition for option `${showOption loc}' is not of type `${t.name}'. Definition values:\n- In `${d.file}': ${show d.value}";
  checked = loc: t: defs: map (d: if t.check d.value then d else typeError loc t d) defs;
  mergeEqual = loc: defs:
    let v = (head defs).value; in
    if all (d: d.value == v) defs then v
    else throw "The option `${showOption loc}' has conflicting definition values:${concatStringsSep "" (map (d: "\n- In `${d.file}': ${show d.value}") defs)}";
  simple = name: check: mkType name check (loc: defs: mergeEqual loc (checked loc (simple name check) defs));

  types = rec {
    bool = simple "boolean" isBool;
    str = simple "string" isString;
    int = simple "signed integer" isInt;
    port = simple "16 bit unsigned integer; between 0 and 65535 (both inclusive)" (v: isInt v && v >= 0 && v <= 65535);
    path = simple "path" (v: isPath v || (isString v && builtins.substring 0 1 v == "/"));
    attrs = mkType "attribute set" isAttrs (loc: defs: foldl' (a: d: a // d.value) { } (checked loc attrs defs));
    nullOr = t: mkType "null or ${t.name}" (v: v == null || t.check v) (loc: defs:
      let nonNull = filter (d: d.value != null) defs; in
      if nonNull == [ ] then null else if length nonNull < length defs then mergeEqual loc defs else t.merge loc nonNull);
    either = a: b: mkType "${a.name} or ${b.name}" (v: a.check v || b.check v) (loc: defs:
      let last = elemAt defs (length defs - 1); in
      if a.check last.value then a.merge loc defs else if b.check last.value then b.merge loc defs
      else typeError loc (either a b) last);
    listOf = t: mkType "list of ${t.name}" isList (loc: defs: concatMap
      (d: map (v: t.merge (loc ++ [ "*" ]) [ { inherit (d) file; value = v; } ]) d.value)
      (checked loc (listOf t) defs));
    attrsOf = t: mkType "attribute set of ${t.name}" isAttrs (loc: defs:
      let
        defs' = checked loc (attrsOf t) defs;
        names = attrNames (foldl' (a: d: a // d.value) { } defs');
      in
      listToAttrs (map (n: {
        name = n;
        value = t.merge (loc ++ [ n ]) (concatMap (d: if d.value ? ${n} then [ { inherit (d) file; value = d.value.${n}; } ] else [ ]) defs');
      }) names));
    submodule = options: mkType "submodule" isAttrs (loc: defs: evalOptions loc options (map (d: { inherit (d) file; value = d.value; }) defs));
  };

  # mkIf and mkMerge over a set are moved onto its attributes, without reading the condition.
  pushDown = v:
    if (v._type or null) == "merge" then concatMap pushDown v.contents
    else if (v._type or null) == "if" then map (mapAttrs (_: mkIf v.condition)) (pushDown v.content)
    else [ v ];
  # At an option, the conditions are read: what remains are the definitions.
  discharge = v:
    if (v._type or null) == "merge" then concatMap discharge v.contents
    else if (v._type or null) == "if" then (if v.condition then discharge v.content else [ ])
    else [ v ];

  # The values of `options` (a tree of options) from definitions [ { file; value; } ] of it.
  evalOptions = loc: options: defs:
    let
      pushed = concatMap (d: map (value: { inherit (d) file; inherit value; }) (pushDown d.value)) defs;
      declared = n: options ? ${n};
      undeclared = concatMap (d: filter (n: !(declared n)) (attrNames d.value)) pushed;
    in
    if undeclared != [ ] then throw "The option `${showOption (loc ++ [ (head undeclared) ])}' does not exist."
    else mapAttrs
      (n: opt:
        let
          here = concatMap (d: if d.value ? ${n} then [ { inherit (d) file; value = d.value.${n}; } ] else [ ]) pushed;
        in
        if isOption opt then
          let values = concatMap (d: map (value: { inherit (d) file; inherit value; }) (discharge d.value)) here; in
          if values == [ ] then (if opt ? default then opt.default else throw "The option `${showOption (loc ++ [ n ])}' is used but not defined.")
          else opt.type.merge (loc ++ [ n ]) values
        else evalOptions (loc ++ [ n ]) opt here)
      options;

  # Declarations merged; the same option declared twice is an error, as in NixOS.
  mergeDecls = loc: a: b: a // mapAttrs
    (n: v:
      if !(a ? ${n}) then v
      else if isOption v || isOption a.${n} then throw "The option `${showOption (loc ++ [ n ])}' is already declared."
      else mergeDecls (loc ++ [ n ]) a.${n} v)
    b;

  evalModules = { modules, specialArgs ? { } }:
    let
      # Each module once: a path is its own key, a function or a set has none.
      collect = seen: ms: if ms == [ ] then { inherit seen; list = [ ]; } else
        let
          m = head ms;
          key = if isPath m then toString m else null;
          file = if isPath m then toString m else "<unknown-file>";
          rest = tail ms;
        in
        if key != null && builtins.elem key seen then collect seen rest
        else
          let
            raw = if isPath m then import m else m;
            value = if isFunction raw then raw ({ inherit config lib; options = opts; } // specialArgs) else raw;
            shaped = if value ? options || value ? config || value ? imports
              then { options = value.options or { }; config = value.config or { }; imports = value.imports or [ ]; }
              else { options = { }; config = builtins.removeAttrs value [ "imports" ]; imports = value.imports or [ ]; };
            below = collect (seen ++ (if key == null then [ ] else [ key ])) shaped.imports;
            after = collect below.seen rest;
          in
          { seen = after.seen; list = [ (shaped // { inherit file; }) ] ++ below.list ++ after.list; };
      all' = (collect [ ] modules).list;
      opts = foldl' (mergeDecls [ ]) { } (map (m: m.options) all');
      config = evalOptions [ ] opts (map (m: { inherit (m) file; value = m.config; }) all');
    in
    { inherit config; options = opts; };

  lib = {
    inherit mkOption mkIf mkMerge types evalModules;
    literalExpression = text: { _type = "literalExpression"; inherit text; };
  };

  # The options of NixOS that portnix's module sets, with NixOS's types.
  portOptions = {
    allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    allowedUDPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
    allowedTCPPortRanges = mkOption { type = types.listOf (types.attrsOf types.port); default = [ ]; };
    allowedUDPPortRanges = mkOption { type = types.listOf (types.attrsOf types.port); default = [ ]; };
  };
  nixosBase = {
    options = {
      networking.firewall = portOptions // {
        interfaces = mkOption { type = types.attrsOf (types.submodule portOptions); default = { }; };
      };
      assertions = mkOption { type = types.listOf types.attrs; default = [ ]; };
      warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  };
in
lib // {
  /** A NixOS configuration: its config, and `toplevel`, which fails listing every false
      assertion and shows every warning, as building a NixOS system does. */
  nixosSystem = { modules }:
    let
      evaluated = evalModules { modules = [ nixosBase ] ++ modules; };
      inherit (evaluated) config;
      failed = map (a: a.message) (filter (a: !a.assertion) config.assertions);
    in
    evaluated // {
      toplevel =
        if failed != [ ] then throw "\nFailed assertions:\n${concatStringsSep "\n" (map (m: "- ${m}") failed)}"
        else foldl' (acc: w: builtins.trace "evaluation warning: ${w}" acc) "built" config.warnings;
    };
}
