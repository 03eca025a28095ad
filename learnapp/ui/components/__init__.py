"""UI components shared by pages: the page shell, outline, bell, certificate status, words."""
