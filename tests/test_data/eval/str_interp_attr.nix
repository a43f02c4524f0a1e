let s = { __toString = self: "custom"; }; in "${s}!"
