"$HOME and $${x}"
