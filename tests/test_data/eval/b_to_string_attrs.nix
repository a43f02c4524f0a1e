toString { __toString = s: "x"; }
