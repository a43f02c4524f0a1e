{ inherit true null; }
