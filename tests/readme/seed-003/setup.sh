# Seed 003's project (example 003, with the gateway's config as a sync target), the places that
# say its ports by hand, and two generated files.
set -e
mkdir -p seed-003/docs seed-003/lib
cd seed-003
cp ../examples/003-project-blocks/ports.nix lib/ports.nix
sed 's/^}$/  sync = [ { file = "gateway\/config.yaml"; key = "server.port"; port = "neurectomy.api.gateway"; } ];\n}/' \
  ../examples/003-project-blocks/portnix.nix > lib/portnix.nix
portnix gen markdown --force -o docs/ports.md
portnix gen env --force -o .env.ports
portnix gen env --force --only sigmalang -o .env.sigmalang
git init -q && git add -A && git -c user.name=t -c user.email=t@t -c commit.gpgsign=false commit -qm before && git tag before-move
